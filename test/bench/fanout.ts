// `npm run bench:fanout`: one application of 20 objects fanned out to 50 namespaces on each of two
// test-bed clusters (100 targets), against the service run as a child process, so its CPU and
// memory are read from /proc for it alone and not mixed with this script's polling.
// Prints: registration → all Synced; a signed push webhook → all Synced at the new revision (p50
// and max over targets); the API requests and CPU one idle interval costs; peak RSS; and a shell
// loop of `kubectl apply --server-side` over the same 100 targets for comparison.
// BENCH_NAMESPACES, BENCH_INTERVAL_SECONDS, BENCH_CONCURRENCY, BENCH_PER_CLUSTER_CONCURRENCY and
// BENCH_ENGINE_CONCURRENCY change the set-up; the concurrencies default to the service's defaults.
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { loadConfig } from '../../src/config/app-config';
import { signGithub } from '../../src/git/push-webhooks';
import { apiClient } from '../support/api';
import { ApiServerProxy } from '../support/api-server-proxy';
import { GitHttpServer } from '../support/git-server';
import { freePort } from '../support/ports';
import { ServiceProcess, type ServiceProcessOptions } from '../support/service-process';
import { clusterRequest, TestBed, type TestCluster } from '../testbed/cluster';

const NAMESPACES = Number(process.env.BENCH_NAMESPACES ?? 50);
const INTERVAL = Number(process.env.BENCH_INTERVAL_SECONDS ?? 20);
const POLL_MS = 150;
const ADMIN = `bench-${randomBytes(16).toString('hex')}`;
const HOOK_SECRET = randomBytes(16).toString('hex');
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** 11 ConfigMaps, 3 Deployments, 3 Services, 3 Secrets. Headless Services: a test-bed cluster has
 * a /24 service range, too small for 3 ClusterIPs × 100 namespaces (Flotilla's and kubectl's). */
function objects(version: string): object[] {
  const docs: object[] = [];
  for (let i = 0; i < 11; i++) docs.push({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: `config-${i}` }, data: { index: String(i), version: i === 0 ? version : '1', payload: 'x'.repeat(512) } });
  for (let i = 0; i < 3; i++) {
    docs.push({
      apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: `app-${i}` },
      spec: { replicas: 2, selector: { matchLabels: { app: `app-${i}` } }, template: { metadata: { labels: { app: `app-${i}` } }, spec: { containers: [{ name: 'main', image: `registry.example/app:${i}`, envFrom: [{ configMapRef: { name: `config-${i}` } }] }] } } },
    });
    docs.push({ apiVersion: 'v1', kind: 'Service', metadata: { name: `app-${i}` }, spec: { clusterIP: 'None', selector: { app: `app-${i}` }, ports: [{ port: 80 }] } });
    docs.push({ apiVersion: 'v1', kind: 'Secret', metadata: { name: `secret-${i}` }, stringData: { password: `bench-password-${i}` } });
  }
  return docs;
}
const manifest = (version: string) => objects(version).map((d) => stringify(d)).join('---\n');

const TICKS = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim());
/** CPU seconds of the process itself and of the children it has waited for (git), from /proc. */
function cpuOf(pid: number): { own: number; children: number } {
  const text = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const f = text.slice(text.lastIndexOf(')') + 2).split(' ').map(Number);
  return { own: (f[11] + f[12]) / TICKS, children: (f[13] + f[14]) / TICKS };
}
const peakRssMiB = (pid: number) => Number(/VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))![1]) / 1024;

/** What the Deployment controller would write once every replica is up (no controller runs here). */
async function markDeploymentsAvailable(c: TestCluster): Promise<void> {
  const list = await clusterRequest(c, c.adminToken, 'GET', '/apis/apps/v1/deployments?labelSelector=flotilla.io%2Fapplication%3Dfleet');
  await Promise.all(list.body.items.map((d: any) => {
    const r = d.spec.replicas;
    const status = { observedGeneration: d.metadata.generation, replicas: r, updatedReplicas: r, readyReplicas: r, availableReplicas: r, conditions: [{ type: 'Available', status: 'True', reason: 'MinimumReplicasAvailable' }] };
    return clusterRequest(c, c.adminToken, 'PUT', `/apis/apps/v1/namespaces/${d.metadata.namespace}/deployments/${d.metadata.name}/status`, { ...d, status });
  }));
}

const pct = (xs: number[], p: number) => [...xs].sort((a, b) => a - b)[Math.max(0, Math.ceil((p / 100) * xs.length) - 1)];
const s = (ms: number) => `${(ms / 1000).toFixed(2)} s`;

async function main(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'flotilla-bench-fanout-'));
  process.once('exit', () => rmSync(dir, { recursive: true, force: true })); // even after a crash
  const env: Record<string, string> = {
    FLOTILLA_ADMIN_TOKEN: ADMIN,
    FLOTILLA_LOG_LEVEL: 'warn', FLOTILLA_GIT__ALLOW_INSECURE_HTTP: 'true', FLOTILLA_SYNC__MIN_INTERVAL_SECONDS: '5',
    // connectivity checks run on their own schedule; kept out of the idle window, which is about syncs
    FLOTILLA_CLUSTERS__CHECK_INTERVAL_SECONDS: '3600',
  };
  for (const [bench, key] of [['BENCH_CONCURRENCY', 'CONCURRENCY'], ['BENCH_PER_CLUSTER_CONCURRENCY', 'PER_CLUSTER_CONCURRENCY'], ['BENCH_ENGINE_CONCURRENCY', 'ENGINE_CONCURRENCY']]) {
    if (process.env[bench]) env[`FLOTILLA_SYNC__${key}`] = process.env[bench]!;
  }
  // a port of its own: at log level warn the service does not say which one it took; its log
  // (warnings only) stays in memory, for the error message if it fails
  const abortStart = new AbortController(); // a stop while the service starts need not wait for it
  const serviceOptions: ServiceProcessOptions = {
    dataDir: join(dir, 'data'), port: await freePort(), env, parentDeathSignal: 'TERM', signal: abortStart.signal, startTimeoutMs: 90_000,
  };
  const sync = loadConfig({ env: ServiceProcess.environment(serviceOptions) }).sync; // what the child will run with
  const targets = 2 * NAMESPACES;
  console.log(`fan-out: 20 objects × ${NAMESPACES} namespaces × 2 clusters = ${targets} targets; sync.concurrency ${sync.concurrency}, perClusterConcurrency ${sync.perClusterConcurrency}, engineConcurrency ${sync.engineConcurrency}; interval ${INTERVAL} s`);

  let service: Promise<ServiceProcess> | undefined, starting: Promise<[TestBed, GitHttpServer]> | undefined;
  const proxies: ApiServerProxy[] = [];
  let cleaning: Promise<void> | undefined;
  const cleanup = () => (cleaning ??= (async () => {
    abortStart.abort();
    await service?.then((s) => s.stop(), () => undefined);
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
      await must(`registering ${c.name}`, api.post('/api/v1/clusters', { name: c.name, server: proxy.url, labels: { bench: 'fanout' }, tls: { caData: c.caData }, auth: { type: 'bearerToken', token: c.adminToken } }));
    }
    // polling off: the webhook is what announces the new commit
    await must('registering the repository', api.post('/api/v1/repositories', { name: 'fleet', url: git.url('fleet'), pollIntervalSeconds: 3600, webhookSecret: HOOK_SECRET }));
    for (let t = Date.now(); (await api.get('/api/v1/repositories/fleet')).body.status?.revision !== first; await sleep(100)) {
      if (Date.now() - t > 30_000) throw new Error('the repository was not fetched within 30 s');
    }

    /** Polls the list (targets without resources) until every target is Synced at `sha`; ms per target. */
    const untilSynced = async (sha: string, since: number, what: string): Promise<number[]> => {
      const seen = new Map<string, number>();
      for (const deadline = since + 600_000; seen.size < targets; await sleep(POLL_MS)) {
        const app = (await must('listing', api.get('/api/v1/applications'))).items.find((a: any) => a.name === 'fleet');
        for (const t of app.status.targets) {
          if (t.sync === 'Synced' && t.revision?.sha === sha && !seen.has(`${t.cluster}/${t.namespace}`)) seen.set(`${t.cluster}/${t.namespace}`, Date.now() - since);
        }
        if (Date.now() > deadline) throw new Error(`${what}: ${seen.size}/${targets} Synced after 10 minutes`);
      }
      return [...seen.values()];
    };
    const settled = async () => {
      for (let t = Date.now(); ; await sleep(500)) {
        const app = (await api.get('/api/v1/applications/fleet')).body;
        if (app.status.summary.healthy === targets && !app.status.targets.some((x: any) => x.lastSyncRun?.phase === 'Running')) return app;
        if (Date.now() - t > 120_000) throw new Error(`not settled after 120 s: ${JSON.stringify(app.status.summary)}`);
      }
    };

    // (a) registration → every target Synced
    const t0 = Date.now();
    await must('creating the application', api.post('/api/v1/applications', {
      name: 'fleet', repository: 'fleet', path: 'apps/fleet',
      destinations: Array.from({ length: NAMESPACES }, (_, i) => ({ clusterSelector: { matchLabels: { bench: 'fanout' } }, namespace: `fleet-${i}` })),
      syncPolicy: { automated: true, prune: true, selfHeal: true, intervalSeconds: INTERVAL },
    }));
    const cold = await untilSynced(first, t0, 'first sync');
    console.log(`(a) all ${targets} Synced ${s(Math.max(...cold))} after the application was created`);
    await Promise.all(bed.clusters.map(markDeploymentsAvailable));
    await settled();

    // (b) a new commit, announced by a signed GitHub push webhook
    const second = await repo.commit({ 'apps/fleet/objects.yaml': manifest('2') }, { message: 'fleet v2' });
    const body = JSON.stringify({ ref: 'refs/heads/main', after: second, repository: { clone_url: git.url('fleet') } });
    const t1 = Date.now();
    const hook = await api.call('POST', '/api/v1/webhooks/git', body, { 'content-type': 'application/json', 'x-github-event': 'push', 'x-github-delivery': 'bench-1', 'x-hub-signature-256': signGithub(body, HOOK_SECRET) });
    if (hook.status !== 202) throw new Error(`webhook: ${hook.status} ${JSON.stringify(hook.body)}`);
    const push = await untilSynced(second, t1, 'push');
    console.log(`(b) webhook → Synced at the new revision: first ${s(Math.min(...push))}, p50 ${s(pct(push, 50))}, max ${s(Math.max(...push))}`);

    // (c) one idle interval: nothing changes, every target gets its interval check
    const before = await settled();
    await sleep(2000);
    for (const p of proxies) p.reset();
    const cpu0 = cpuOf(pid);
    await sleep(INTERVAL * 1000);
    const cpu1 = cpuOf(pid);
    const requests = proxies.flatMap((p, i) => p.requests.map((r) => ({ ...r, cluster: i })));
    const after = (await api.get('/api/v1/applications/fleet')).body;
    const lastRun = new Map(before.status.targets.map((t: any) => [`${t.cluster}/${t.namespace}`, t.lastSyncRun?.id]));
    const runs = after.status.targets.filter((t: any) => t.lastSyncRun?.id !== lastRun.get(`${t.cluster}/${t.namespace}`)).length;
    const checked = new Set(requests.map((r) => `${r.cluster}/${/\/namespaces\/([^/]+)/.exec(r.path)?.[1] ?? ''}`).filter((k) => !k.endsWith('/'))).size;
    const idle = {
      total: requests.length,
      reads: requests.filter((r) => r.method === 'GET').length,
      dryRuns: proxies.reduce((n, p) => n + p.dryRuns.length, 0),
      writes: proxies.reduce((n, p) => n + p.writes.length, 0),
    };
    const cpuIdle = cpu1.own - cpu0.own;
    console.log(`(c) one ${INTERVAL} s idle interval: ${JSON.stringify(idle)}, ${cpuIdle.toFixed(2)} CPU s, ${checked} namespaces touched, ${runs} sync runs`);
    const rss = peakRssMiB(pid);
    const cpuTotal = cpuOf(pid);

    // (e) the same objects into 100 other namespaces with kubectl, one target after another
    const file = join(dir, 'objects.yaml');
    writeFileSync(file, manifest('1'));
    for (const c of bed.clusters) {
      await Promise.all(Array.from({ length: NAMESPACES }, (_, i) => clusterRequest(c, c.adminToken, 'POST', '/api/v1/namespaces', { apiVersion: 'v1', kind: 'Namespace', metadata: { name: `kubectl-${i}` } })));
    }
    const loop = bed.clusters.map((c) => `for i in $(seq 0 ${NAMESPACES - 1}); do '${c.kubectl}' --kubeconfig '${c.kubeconfigPath}' apply --server-side --field-manager bench-kubectl -n kubectl-$i -f '${file}' >/dev/null; done`).join('\n');
    const t2 = Date.now();
    execFileSync('bash', ['-ec', loop], { stdio: ['ignore', 'inherit', 'inherit'] });
    const kubectlMs = Date.now() - t2;

    const rows: [string, string][] = [
      [`targets (objects)`, `${targets} (${targets * 20})`],
      [`(a) create application → all Synced`, `${s(Math.max(...cold))}  (per target p50 ${s(pct(cold, 50))})`],
      [`(b) signed push webhook → all Synced at new SHA`, `p50 ${s(pct(push, 50))}, max ${s(Math.max(...push))}  (first ${s(Math.min(...push))})`],
      [`(c) idle interval (${INTERVAL} s): API requests`, `${idle.total} = ${idle.reads} GET + ${idle.dryRuns} dry-run + ${idle.writes} write (${(idle.total / targets).toFixed(1)} per target)`],
      [`(c) idle interval: targets checked / sync runs`, `${checked} / ${runs}`],
      [`(c) idle interval: service CPU`, `${cpuIdle.toFixed(2)} s (${((cpuIdle / INTERVAL) * 100).toFixed(1)}% of one core)`],
      [`(d) service peak RSS`, `${rss.toFixed(0)} MiB`],
      [`    service CPU, whole run (git children)`, `${cpuTotal.own.toFixed(1)} s (${cpuTotal.children.toFixed(1)} s)`],
      [`(e) kubectl apply --server-side loop, ${targets} targets`, `${s(kubectlMs)} (${s(kubectlMs / targets)} per target)`],
    ];
    const width = Math.max(...rows.map((r) => r[0].length));
    console.log(`\n${rows.map(([k, v]) => `${k.padEnd(width)}  ${v}`).join('\n')}`);
    console.log(`sync.concurrency ${sync.concurrency}, perClusterConcurrency ${sync.perClusterConcurrency}, engineConcurrency ${sync.engineConcurrency}; poll every ${POLL_MS} ms; repository polling off, cluster checks every 3600 s`);
  } finally {
    await cleanup();
  }
}

main().catch((e) => {
  console.error(e);
  process.exitCode = 1;
});
