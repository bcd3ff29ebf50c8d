// `npm run bench:fanout`: one application of 20 objects fanned out to 50 namespaces on each of two
// test-bed clusters (100 targets, 2,000 objects), against the service run as a child process, so
// its CPU and memory are read from /proc for it alone and not mixed with this script's polling.
// Prints: registration → all Synced; a signed push webhook → all Synced at the new revision (p50
// and max over targets); the API requests (by verb, as the service counts them in /metrics) and
// CPU one idle interval costs; its memory; `kubectl edit`-style changes → healed (selfHeal on);
// a shell loop of `kubectl apply --server-side` over the same 100 targets for comparison; and the
// fan-out grown to 500 namespaces per cluster (1,000 targets, 20,000 objects): time to Synced,
// an idle interval and memory again.
// BENCH_NAMESPACES, BENCH_LARGE_NAMESPACES (0: not grown), BENCH_EDITS, BENCH_INTERVAL_SECONDS,
// BENCH_CONCURRENCY, BENCH_PER_CLUSTER_CONCURRENCY and BENCH_ENGINE_CONCURRENCY change the
// set-up; the concurrencies default to the service's defaults.
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { loadConfig } from '../../src/config/app-config';
import { signGithub } from '../../src/git/push-webhooks';
import { mapBounded } from '../../src/shared/map-bounded';
import { apiClient } from '../support/api';
import { ApiServerProxy } from '../support/api-server-proxy';
import { GitHttpServer } from '../support/git-server';
import { freePort } from '../support/ports';
import { ServiceProcess, type ServiceProcessOptions } from '../support/service-process';
import { clusterRequest, TestBed, type TestCluster } from '../testbed/cluster';
import { cpuOf, difference, kubeRequestsByVerb, memoryOf } from './service-readings';

const NAMESPACES = Number(process.env.BENCH_NAMESPACES ?? 50);
const LARGE_NAMESPACES = Number(process.env.BENCH_LARGE_NAMESPACES ?? 500);
const EDITS = Number(process.env.BENCH_EDITS ?? 20);
const INTERVAL = Number(process.env.BENCH_INTERVAL_SECONDS ?? 20);
const POLL_MS = 150;
/** how often an edited object is read back to see it healed */
const HEAL_POLL_MS = 25;
const HEAL_DEADLINE_MS = 30_000;
const ADMIN = `bench-${randomBytes(16).toString('hex')}`;
const HOOK_SECRET = randomBytes(16).toString('hex');
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** 11 ConfigMaps, 3 Deployments, 3 Services, 3 Secrets. Headless Services: a test-bed cluster has
 * a /24 service range, too small for 3 ClusterIPs × 100 namespaces (Flotilla's and kubectl's). */
function objects(version: string): object[] {
  const docs: object[] = [];
  for (let i = 0; i < 11; i++)
    docs.push({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: `config-${i}` }, data: { index: String(i), version: i === 0 ? version : '1', payload: 'x'.repeat(512) } });
  for (let i = 0; i < 3; i++) {
    docs.push({
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name: `app-${i}` },
      spec: {
        replicas: 2,
        selector: { matchLabels: { app: `app-${i}` } },
        template: {
          metadata: { labels: { app: `app-${i}` } },
          spec: { containers: [{ name: 'main', image: `registry.example/app:${i}`, envFrom: [{ configMapRef: { name: `config-${i}` } }] }] },
        },
      },
    });
    docs.push({ apiVersion: 'v1', kind: 'Service', metadata: { name: `app-${i}` }, spec: { clusterIP: 'None', selector: { app: `app-${i}` }, ports: [{ port: 80 }] } });
    docs.push({ apiVersion: 'v1', kind: 'Secret', metadata: { name: `secret-${i}` }, stringData: { password: `bench-password-${i}` } });
  }
  return docs;
}
const manifest = (version: string) =>
  objects(version)
    .map((d) => stringify(d))
    .join('---\n');

/** What the Deployment controller would write once every replica is up (no controller runs here). */
async function markDeploymentsAvailable(c: TestCluster): Promise<void> {
  const list = await clusterRequest(c, c.adminToken, 'GET', '/apis/apps/v1/deployments?labelSelector=flotilla.io%2Fapplication%3Dfleet');
  await mapBounded(list.body.items, 32, (d: any) => {
    const r = d.spec.replicas;
    const status = {
      observedGeneration: d.metadata.generation,
      replicas: r,
      updatedReplicas: r,
      readyReplicas: r,
      availableReplicas: r,
      conditions: [{ type: 'Available', status: 'True', reason: 'MinimumReplicasAvailable' }],
    };
    return clusterRequest(c, c.adminToken, 'PUT', `/apis/apps/v1/namespaces/${d.metadata.namespace}/deployments/${d.metadata.name}/status`, { ...d, status });
  });
}

/**
 * A `kubectl edit` of one of the 20 objects: a merge patch by another field manager of a field
 * Flotilla applies, and how the object reads once Flotilla has put it back.
 */
interface Edit {
  what: string;
  path: (namespace: string) => string;
  patch: object;
  healed: (o: any) => boolean;
}
const b64 = (text: string) => Buffer.from(text).toString('base64');
const EDITABLE: Edit[] = [
  ...Array.from({ length: 11 }, (_, i): Edit => ({
    what: `ConfigMap config-${i}`,
    path: (ns) => `/api/v1/namespaces/${ns}/configmaps/config-${i}`,
    patch: { data: { payload: 'edited' } },
    healed: (o) => o.data?.payload === 'x'.repeat(512),
  })),
  ...[0, 1, 2].flatMap((i): Edit[] => [
    {
      what: `Deployment app-${i}`,
      path: (ns) => `/apis/apps/v1/namespaces/${ns}/deployments/app-${i}`,
      patch: { spec: { replicas: 5 } },
      healed: (o) => o.spec?.replicas === 2,
    },
    {
      what: `Service app-${i}`,
      path: (ns) => `/api/v1/namespaces/${ns}/services/app-${i}`,
      patch: { spec: { selector: { app: 'edited' } } },
      healed: (o) => o.spec?.selector?.app === `app-${i}`,
    },
    {
      what: `Secret secret-${i}`,
      path: (ns) => `/api/v1/namespaces/${ns}/secrets/secret-${i}`,
      patch: { data: { password: b64('edited') } },
      healed: (o) => o.data?.password === b64(`bench-password-${i}`),
    },
  ]),
];
const pick = <T>(xs: readonly T[]): T => xs[Math.floor(Math.random() * xs.length)];

/** Runs a command to its end, its output on this process's. */
function run(command: string, args: string[]): Promise<void> {
  return new Promise((done, fail) => {
    const child = spawn(command, args, { stdio: ['ignore', 'inherit', 'inherit'] });
    child.on('error', fail);
    child.on('exit', (code, signal) => (code === 0 ? done() : fail(new Error(`${command} ended with ${code ?? signal}`))));
  });
}

const pct = (xs: number[], p: number) => [...xs].sort((a, b) => a - b)[Math.max(0, Math.ceil((p / 100) * xs.length) - 1)];
const s = (ms: number) => `${(ms / 1000).toFixed(2)} s`;

async function main(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'flotilla-bench-fanout-'));
  process.once('exit', () => rmSync(dir, { recursive: true, force: true })); // even after a crash
  const env: Record<string, string> = {
    FLOTILLA_ADMIN_TOKEN: ADMIN,
    FLOTILLA_LOG_LEVEL: 'warn',
    FLOTILLA_GIT__ALLOW_INSECURE_HTTP: 'true',
    FLOTILLA_SYNC__MIN_INTERVAL_SECONDS: '5',
    // connectivity checks run on their own schedule; kept out of the idle window, which is about syncs
    FLOTILLA_CLUSTERS__CHECK_INTERVAL_SECONDS: '3600',
  };
  // e.g. --cpu-prof --cpu-prof-dir=DIR (written when the service stops)
  if (process.env.BENCH_NODE_OPTIONS) env.NODE_OPTIONS = process.env.BENCH_NODE_OPTIONS;
  for (const [bench, key] of [
    ['BENCH_CONCURRENCY', 'CONCURRENCY'],
    ['BENCH_PER_CLUSTER_CONCURRENCY', 'PER_CLUSTER_CONCURRENCY'],
    ['BENCH_ENGINE_CONCURRENCY', 'ENGINE_CONCURRENCY'],
  ]) {
    if (process.env[bench]) env[`FLOTILLA_SYNC__${key}`] = process.env[bench]!;
  }
  // a port of its own: at log level warn the service does not say which one it took; its log
  // (warnings only) stays in memory, for the error message if it fails
  const abortStart = new AbortController(); // a stop while the service starts need not wait for it
  const serviceOptions: ServiceProcessOptions = {
    dataDir: join(dir, 'data'),
    port: await freePort(),
    env,
    parentDeathSignal: 'TERM',
    signal: abortStart.signal,
    startTimeoutMs: 90_000,
  };
  const sync = loadConfig({ env: ServiceProcess.environment(serviceOptions) }).sync; // what the child will run with
  const targets = 2 * NAMESPACES;
  console.log(
    `fan-out: 20 objects × ${NAMESPACES} namespaces × 2 clusters = ${targets} targets; sync.concurrency ${sync.concurrency}, perClusterConcurrency ${sync.perClusterConcurrency}, engineConcurrency ${sync.engineConcurrency}; interval ${INTERVAL} s`,
  );

  let service: Promise<ServiceProcess> | undefined, starting: Promise<[TestBed, GitHttpServer]> | undefined;
  const proxies: ApiServerProxy[] = [];
  let cleaning: Promise<void> | undefined;
  const cleanup = () =>
    (cleaning ??= (async () => {
      abortStart.abort();
      await service?.then(
        (s) => s.stop(),
        () => undefined,
      );
      const [bed, git] = (await starting?.catch(() => undefined)) ?? [];
      await Promise.allSettled([...proxies.map((p) => p.stop()), bed?.stop(), git?.stop()]);
      rmSync(dir, { recursive: true, force: true });
    })());
  for (const signal of ['SIGINT', 'SIGTERM'] as const) process.once(signal, () => void cleanup().finally(() => process.exit(130)));
  try {
    service = ServiceProcess.start(serviceOptions);
    service.catch(() => undefined); // awaited below; not unhandled while the clusters start
    starting = Promise.all([TestBed.start({ names: ['fanout-a', 'fanout-b'] }), GitHttpServer.start()]);
    const [bed, git] = await starting;
    const repo = await git.createRepository('fleet');
    const first = await repo.commit({ 'apps/fleet/objects.yaml': manifest('1') }, { message: 'fleet v1' });
    const { baseUrl, pid } = await service; // its CPU and memory are read from /proc/<pid>/
    const memoryAtStart = memoryOf(pid); // nothing registered yet: what the process costs by itself
    const api = apiClient(baseUrl, ADMIN);
    const must = async (what: string, res: Promise<{ status: number; body: any }>) => {
      const r = await res;
      if (r.status >= 300) throw new Error(`${what}: ${r.status} ${JSON.stringify(r.body)}`);
      return r.body;
    };
    // every request Flotilla makes to a cluster passes a proxy, which counts it
    for (const c of bed.clusters) {
      const proxy = await ApiServerProxy.start(c);
      proxies.push(proxy);
      await must(
        `registering ${c.name}`,
        api.post('/api/v1/clusters', {
          name: c.name,
          server: proxy.url,
          labels: { bench: 'fanout' },
          tls: { caData: c.caData },
          auth: { type: 'bearerToken', token: c.adminToken },
        }),
      );
    }
    // polling off: the webhook is what announces the new commit
    await must('registering the repository', api.post('/api/v1/repositories', { name: 'fleet', url: git.url('fleet'), pollIntervalSeconds: 3600, webhookSecret: HOOK_SECRET }));
    for (let t = Date.now(); (await api.get('/api/v1/repositories/fleet')).body.status?.revision !== first; await sleep(100)) {
      if (Date.now() - t > 30_000) throw new Error('the repository was not fetched within 30 s');
    }

    const fleet = async () => (await must('listing', api.get('/api/v1/applications'))).items.find((a: any) => a.name === 'fleet');
    const destinations = (namespaces: number) => Array.from({ length: namespaces }, (_, i) => ({ clusterSelector: { matchLabels: { bench: 'fanout' } }, namespace: `fleet-${i}` }));

    /** Polls the list (targets without resources) until `count` targets are Synced at `sha`; ms per target. */
    const untilSynced = async (sha: string, since: number, what: string, count = targets, pollMs = POLL_MS): Promise<number[]> => {
      const seen = new Map<string, number>();
      for (const deadline = since + 1_800_000; seen.size < count; await sleep(pollMs)) {
        for (const t of (await fleet()).status.targets) {
          if (t.sync === 'Synced' && t.revision?.sha === sha && !seen.has(`${t.cluster}/${t.namespace}`)) seen.set(`${t.cluster}/${t.namespace}`, Date.now() - since);
        }
        if (Date.now() > deadline) throw new Error(`${what}: ${seen.size}/${count} Synced after 30 minutes`);
      }
      return [...seen.values()];
    };
    /** Every target Healthy and none running: the state an idle interval starts from. */
    const settled = async (count = targets) => {
      for (let t = Date.now(); ; await sleep(500)) {
        const app = await fleet();
        if (app.status.summary.healthy === count && !app.status.targets.some((x: any) => x.lastSyncRun?.phase === 'Running')) return app;
        if (Date.now() - t > 600_000) throw new Error(`not settled after 600 s: ${JSON.stringify(app.status.summary)}`);
      }
    };
    /** One interval with nothing changed: every target gets its interval check. */
    const idleInterval = async () => {
      const before = await settled((await fleet()).status.targets.length);
      await sleep(2000);
      const metrics0 = kubeRequestsByVerb((await api.get('/metrics')).body);
      for (const p of proxies) p.reset();
      const cpu0 = cpuOf(pid);
      await sleep(INTERVAL * 1000);
      const cpu = cpuOf(pid).own - cpu0.own;
      const byVerb = difference(metrics0, kubeRequestsByVerb((await api.get('/metrics')).body));
      const proxied = proxies.flatMap((p) => p.requests);
      const after = await fleet();
      const lastRun = new Map(before.status.targets.map((t: any) => [`${t.cluster}/${t.namespace}`, t.lastSyncRun?.id]));
      const runs = after.status.targets.filter((t: any) => t.lastSyncRun?.id !== lastRun.get(`${t.cluster}/${t.namespace}`)).length;
      const watches = proxied.filter((r) => r.query.get('watch') === '1').length;
      return { byVerb, total: Object.values(byVerb).reduce((a, b) => a + b, 0), proxied: proxied.length, watches, runs, cpu };
    };
    const idleLine = (idle: Awaited<ReturnType<typeof idleInterval>>) =>
      `${JSON.stringify(idle.byVerb)} by the service's count (the proxies saw ${idle.proxied}, ${idle.watches} of them watches); ${idle.runs} sync runs; ${idle.cpu.toFixed(2)} CPU s (${((idle.cpu / INTERVAL) * 100).toFixed(1)}% of one core)`;

    // (a) registration → every target Synced
    const t0 = Date.now();
    await must(
      'creating the application',
      api.post('/api/v1/applications', {
        name: 'fleet',
        repository: 'fleet',
        path: 'apps/fleet',
        destinations: destinations(NAMESPACES),
        syncPolicy: { automated: true, prune: true, selfHeal: true, intervalSeconds: INTERVAL },
      }),
    );
    const cold = await untilSynced(first, t0, 'first sync');
    console.log(`(a) all ${targets} Synced ${s(Math.max(...cold))} after the application was created`);
    await Promise.all(bed.clusters.map(markDeploymentsAvailable));
    await settled();

    // (b) a new commit, announced by a signed GitHub push webhook
    const second = await repo.commit({ 'apps/fleet/objects.yaml': manifest('2') }, { message: 'fleet v2' });
    const body = JSON.stringify({ ref: 'refs/heads/main', after: second, repository: { clone_url: git.url('fleet') } });
    const t1 = Date.now();
    const hook = await api.call('POST', '/api/v1/webhooks/git', body, {
      'content-type': 'application/json',
      'x-github-event': 'push',
      'x-github-delivery': 'bench-1',
      'x-hub-signature-256': signGithub(body, HOOK_SECRET),
    });
    if (hook.status !== 202) throw new Error(`webhook: ${hook.status} ${JSON.stringify(hook.body)}`);
    const push = await untilSynced(second, t1, 'push');
    console.log(`(b) webhook → Synced at the new revision: first ${s(Math.min(...push))}, p50 ${s(pct(push, 50))}, max ${s(Math.max(...push))}`);

    // (c) one idle interval; (d) memory at rest
    const idle = await idleInterval();
    console.log(`(c) one ${INTERVAL} s idle interval, ${targets * 20} objects: API requests ${idleLine(idle)}`);
    const memory = memoryOf(pid);
    console.log(
      `(d) service memory at ${targets * 20} objects: VmRSS ${memory.rss.toFixed(0)} MiB, VmHWM ${memory.peak.toFixed(0)} MiB (ready with nothing registered: VmRSS ${memoryAtStart.rss.toFixed(0)} MiB)`,
    );

    // (e) `kubectl edit`s, one after another on random targets' objects: edit → reads back healed
    const healed: number[] = [];
    for (let n = 1; n <= EDITS; n++) {
      const c = pick(bed.clusters);
      const ns = `fleet-${Math.floor(Math.random() * NAMESPACES)}`;
      const edit = pick(EDITABLE);
      const started = performance.now();
      const edited = await clusterRequest(c, c.adminToken, 'PATCH', `${edit.path(ns)}?fieldManager=bench-kubectl-edit`, edit.patch, 'application/merge-patch+json');
      if (edited.status !== 200 || edit.healed(edited.body))
        throw new Error(`editing ${edit.what} in ${c.name}/${ns}: ${edited.status} ${JSON.stringify(edited.body).slice(0, 300)}`);
      let ms = Infinity;
      for (const deadline = started + HEAL_DEADLINE_MS; performance.now() < deadline; await sleep(HEAL_POLL_MS)) {
        const now = await clusterRequest(c, c.adminToken, 'GET', edit.path(ns));
        if (now.status === 200 && edit.healed(now.body)) {
          ms = performance.now() - started;
          break;
        }
      }
      healed.push(ms);
      console.log(`(e) edit ${n}/${EDITS}: ${c.name}/${ns} ${edit.what} → ${ms === Infinity ? `NOT healed within ${s(HEAL_DEADLINE_MS)}` : `healed in ${s(ms)}`}`);
    }
    const notHealed = healed.filter((ms) => ms === Infinity).length;
    const heal = `p50 ${s(pct(healed, 50))}, max ${notHealed ? `> ${s(HEAL_DEADLINE_MS)} (${notHealed} not healed)` : s(Math.max(...healed))}`;

    // (f) the same objects into 100 other namespaces with kubectl, one target after another
    const file = join(dir, 'objects.yaml');
    writeFileSync(file, manifest('1'));
    for (const c of bed.clusters) {
      await Promise.all(
        Array.from({ length: NAMESPACES }, (_, i) =>
          clusterRequest(c, c.adminToken, 'POST', '/api/v1/namespaces', { apiVersion: 'v1', kind: 'Namespace', metadata: { name: `kubectl-${i}` } }),
        ),
      );
    }
    const loop = bed.clusters
      .map(
        (c) =>
          `for i in $(seq 0 ${NAMESPACES - 1}); do '${c.kubectl}' --kubeconfig '${c.kubeconfigPath}' apply --server-side --field-manager bench-kubectl -n kubectl-$i -f '${file}' >/dev/null; done`,
      )
      .join('\n');
    const t2 = Date.now();
    await run('bash', ['-ec', loop]); // not execFileSync: the proxies in this process keep serving the service meanwhile
    const kubectlMs = Date.now() - t2;
    console.log(`(f) kubectl apply --server-side loop over ${targets} targets: ${s(kubectlMs)}`);

    // (g) the fan-out grown: more namespaces on both clusters, then at rest again
    const largeTargets = 2 * LARGE_NAMESPACES;
    let large: { grownMs: number; idle: Awaited<ReturnType<typeof idleInterval>>; memory: ReturnType<typeof memoryOf> } | undefined;
    if (LARGE_NAMESPACES > NAMESPACES) {
      const t3 = Date.now();
      await must('growing the fan-out', api.patch('/api/v1/applications/fleet', { destinations: destinations(LARGE_NAMESPACES) }));
      const grown = await untilSynced(second, t3, 'growing', largeTargets, 1000);
      console.log(`(g) grown to ${largeTargets} targets: all Synced ${s(Math.max(...grown))} after the change`);
      await Promise.all(bed.clusters.map(markDeploymentsAvailable)); // the new ones, and the edited ones again
      const idleLarge = await idleInterval();
      console.log(`(g) one ${INTERVAL} s idle interval, ${largeTargets * 20} objects: API requests ${idleLine(idleLarge)}`);
      large = { grownMs: Math.max(...grown), idle: idleLarge, memory: memoryOf(pid) };
      console.log(`(g) service memory at ${largeTargets * 20} objects: VmRSS ${large.memory.rss.toFixed(0)} MiB, VmHWM ${large.memory.peak.toFixed(0)} MiB`);
    }
    const cpuTotal = cpuOf(pid);

    const requestsRow = (i: Awaited<ReturnType<typeof idleInterval>>) =>
      `${i.total} = ${
        Object.entries(i.byVerb)
          .map(([verb, n]) => `${n} ${verb}`)
          .join(' + ') || '0'
      }; ${i.runs} sync runs`;
    const rows: [string, string][] = [
      [`targets (objects)`, `${targets} (${targets * 20})`],
      [`(a) create application → all Synced`, `${s(Math.max(...cold))}  (per target p50 ${s(pct(cold, 50))})`],
      [`(b) signed push webhook → all Synced at new SHA`, `p50 ${s(pct(push, 50))}, max ${s(Math.max(...push))}  (first ${s(Math.min(...push))})`],
      [`(c) idle interval (${INTERVAL} s): API requests by verb`, requestsRow(idle)],
      [`(c) idle interval: service CPU`, `${idle.cpu.toFixed(2)} s (${((idle.cpu / INTERVAL) * 100).toFixed(1)}% of one core)`],
      [`(d) service memory, ready with nothing registered`, `VmRSS ${memoryAtStart.rss.toFixed(0)} MiB, VmHWM ${memoryAtStart.peak.toFixed(0)} MiB`],
      [`(d) service memory, ${targets * 20} objects`, `VmRSS ${memory.rss.toFixed(0)} MiB, VmHWM ${memory.peak.toFixed(0)} MiB`],
      [`(e) kubectl edit → healed, ${EDITS} edits`, heal],
      [`(f) kubectl apply --server-side loop, ${targets} targets`, `${s(kubectlMs)} (${s(kubectlMs / targets)} per target)`],
      ...(large
        ? ([
            [`(g) grown to ${largeTargets} targets (${largeTargets * 20} objects)`, `all Synced ${s(large.grownMs)} after the change`],
            [`(g) idle interval: API requests by verb`, requestsRow(large.idle)],
            [`(g) idle interval: service CPU`, `${large.idle.cpu.toFixed(2)} s (${((large.idle.cpu / INTERVAL) * 100).toFixed(1)}% of one core)`],
            [`(g) service memory, ${largeTargets * 20} objects`, `VmRSS ${large.memory.rss.toFixed(0)} MiB, VmHWM ${large.memory.peak.toFixed(0)} MiB`],
          ] as [string, string][])
        : []),
      [`    service CPU, whole run (git children)`, `${cpuTotal.own.toFixed(1)} s (${cpuTotal.children.toFixed(1)} s)`],
    ];
    const width = Math.max(...rows.map((r) => r[0].length));
    console.log(`\n${rows.map(([k, v]) => `${k.padEnd(width)}  ${v}`).join('\n')}`);
    console.log(
      `sync.concurrency ${sync.concurrency}, perClusterConcurrency ${sync.perClusterConcurrency}, engineConcurrency ${sync.engineConcurrency}; poll every ${POLL_MS} ms, healed objects every ${HEAL_POLL_MS} ms; repository polling off, cluster checks every 3600 s; the service runs its TypeScript through @swc-node/register (as ServiceProcess starts it), which its memory includes`,
    );
  } catch (e) {
    const stopped = await service?.catch(() => undefined);
    if (stopped && !stopped.running) console.error(`the service had exited; its last lines:\n${stopped.lines.slice(-30).join('\n')}`);
    throw e;
  } finally {
    await cleanup();
  }
}

main().catch((e) => {
  console.error(e);
  process.exitCode = 1;
});
