// `npm run bench:rollout`: what a progressive rollout costs beyond the apply itself. Ten test-bed
// clusters × 10 namespaces (100 targets of 20 objects each) in three waves of 10 / 30 / 60 targets
// (cluster labels wave=1 on one cluster, wave=2 on three, wave=3 on six), soakSeconds 0, against
// the service run as a child process. A stand-in for the Deployment controller (a watch per API
// server) writes each Deployment's status once its spec changed, as the real one would.
// After the first rollout has completed, a commit that changes every object of every target is
// announced by a signed GitHub push webhook, BENCH_REPEATS times; per push: push → rollout
// Completed, and per wave its start and finish (rollout API), the apply span (first run start to
// last run finish of the wave's targets at the new revision, from the sync history), the
// rollout's own overhead (wave duration − apply span: pick-up before the first run + health
// confirmation after the last) and the gap to the next wave. Then the same pushes with
// `rollout: null`, for comparison: push → all Synced, and → all Healthy.
// BENCH_SERVERS (API servers started, default 10) below BENCH_CLUSTERS (10) registers each server
// under several cluster names, each with namespaces of its own, so the fleet still has 10 clusters.
// BENCH_NAMESPACES, BENCH_REPEATS, BENCH_CONCURRENCY, BENCH_PER_CLUSTER_CONCURRENCY,
// BENCH_ENGINE_CONCURRENCY and BENCH_HEALTH_RECHECK_SECONDS change the set-up; the sync settings
// default to the service's defaults.
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { request } from 'node:https';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { stringify } from 'yaml';
import { loadConfig } from '../../src/config/app-config';
import { signGithub } from '../../src/git/push-webhooks';
import { apiClient } from '../support/api';
import { GitHttpServer } from '../support/git-server';
import { freePort } from '../support/ports';
import { ServiceProcess, type ServiceProcessOptions } from '../support/service-process';
import { clusterRequest, TestBed, type TestCluster } from '../testbed/cluster';
import { cpuOf } from './service-readings';

const CLUSTERS = Number(process.env.BENCH_CLUSTERS ?? 10);
const SERVERS = Math.min(CLUSTERS, Number(process.env.BENCH_SERVERS ?? 10));
const NAMESPACES = Number(process.env.BENCH_NAMESPACES ?? 10);
const REPEATS = Number(process.env.BENCH_REPEATS ?? 3);
const TARGETS = CLUSTERS * NAMESPACES;
const APP = 'fleet';
const POLL_MS = 100;
const DEADLINE_MS = 600_000;
const ADMIN = `bench-${randomBytes(16).toString('hex')}`;
const HOOK_SECRET = randomBytes(16).toString('hex');
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** 11 ConfigMaps, 3 Deployments, 3 headless Services, 3 Secrets; `version` is in every one of them. */
function manifest(version: string): string {
  const note = { 'bench.flotilla.io/version': version };
  const docs: object[] = [];
  for (let i = 0; i < 11; i++) docs.push({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: `config-${i}` }, data: { index: String(i), version, payload: 'x'.repeat(512) } });
  for (let i = 0; i < 3; i++) {
    docs.push({
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name: `app-${i}` },
      // the version in the pod template: a new generation, as an image bump would be
      spec: {
        replicas: 2,
        selector: { matchLabels: { app: `app-${i}` } },
        template: {
          metadata: { labels: { app: `app-${i}` }, annotations: note },
          spec: { containers: [{ name: 'main', image: `registry.example/app:${i}`, envFrom: [{ configMapRef: { name: `config-${i}` } }] }] },
        },
      },
    });
    docs.push({
      apiVersion: 'v1',
      kind: 'Service',
      metadata: { name: `app-${i}`, annotations: note },
      spec: { clusterIP: 'None', selector: { app: `app-${i}` }, ports: [{ port: 80 }] },
    });
    docs.push({ apiVersion: 'v1', kind: 'Secret', metadata: { name: `secret-${i}` }, stringData: { password: `bench-password-${i}`, version } });
  }
  return docs.map((d) => stringify(d)).join('---\n');
}

/**
 * The Deployment controller's part, which no test-bed cluster runs: a watch on every API server
 * writes a ready status for the generation a Deployment's spec is at, as soon as it is behind.
 */
class DeploymentStandIn {
  writes = 0;
  private stopped = false;
  private readonly open = new Set<{ destroy(): void }>();
  private readonly loops: Promise<void>[] = [];
  private readonly path = `/apis/apps/v1/deployments?labelSelector=${encodeURIComponent(`flotilla.io/application=${APP}`)}`;

  constructor(private readonly servers: TestCluster[]) {}

  start(): void {
    for (const c of this.servers) this.loops.push(this.run(c));
  }

  async stop(): Promise<void> {
    this.stopped = true;
    for (const r of this.open) r.destroy();
    await Promise.allSettled(this.loops);
  }

  private async run(c: TestCluster): Promise<void> {
    while (!this.stopped) {
      try {
        const list = await clusterRequest(c, c.adminToken, 'GET', this.path);
        if (list.status !== 200) throw new Error(`listing Deployments: ${list.status}`);
        for (const d of list.body.items) this.observe(c, d);
        await this.watch(c, list.body.metadata.resourceVersion);
      } catch (e) {
        if (!this.stopped) console.error(`deployment stand-in on ${c.name}: ${String(e)}; listing again`);
        await sleep(200);
      }
    }
  }

  /** Follows the watch until it ends (a timeout, 410 Gone, or stop()). */
  private watch(c: TestCluster, resourceVersion: string): Promise<void> {
    return new Promise((done, fail) => {
      const url = new URL(`${this.path}&watch=1&allowWatchBookmarks=true&timeoutSeconds=300&resourceVersion=${resourceVersion}`, c.server);
      const req = request(url, { ca: Buffer.from(c.caData, 'base64'), headers: { authorization: `Bearer ${c.adminToken}`, accept: 'application/json' } }, (res) => {
        if (res.statusCode !== 200) return fail(new Error(`watch: ${res.statusCode}`));
        const lines = createInterface({ input: res });
        lines.on('line', (line) => {
          const e = JSON.parse(line);
          if (e.type === 'ADDED' || e.type === 'MODIFIED') this.observe(c, e.object);
          if (e.type === 'ERROR') req.destroy(); // 410 Gone: list again
        });
        // a destroyed request (410 Gone, stop()) resets the stream: the loop lists again or ends
        lines.on('error', () => undefined);
        res.on('error', () => undefined);
        res.on('close', done);
      });
      this.open.add(req);
      req.on('close', () => this.open.delete(req));
      req.on('error', (e) => (this.stopped ? done() : fail(e)));
      req.end();
    });
  }

  private observe(c: TestCluster, d: any): void {
    if (this.stopped || (d.status?.observedGeneration ?? 0) >= d.metadata.generation) return;
    const r = d.spec.replicas ?? 1;
    const now = new Date().toISOString();
    const status = {
      observedGeneration: d.metadata.generation,
      replicas: r,
      updatedReplicas: r,
      readyReplicas: r,
      availableReplicas: r,
      conditions: [
        { type: 'Available', status: 'True', reason: 'MinimumReplicasAvailable', lastUpdateTime: now, lastTransitionTime: now },
        { type: 'Progressing', status: 'True', reason: 'NewReplicaSetAvailable', lastUpdateTime: now, lastTransitionTime: now },
      ],
    };
    this.writes++;
    void clusterRequest(
      c,
      c.adminToken,
      'PATCH',
      `/apis/apps/v1/namespaces/${d.metadata.namespace}/deployments/${d.metadata.name}/status`,
      { status },
      'application/merge-patch+json',
    ).catch((e) => !this.stopped && console.error(`deployment stand-in: status of ${c.name}/${d.metadata.namespace}/${d.metadata.name}: ${e}`));
  }
}

interface Run {
  id: number;
  cluster: string;
  namespace: string;
  revision: string | null;
  phase: string;
  startedAt: string;
  finishedAt: string | null;
}
interface WaveFigures {
  name: string;
  targets: number;
  startLag: number;
  duration: number;
  apply: number;
  pickUp: number;
  confirm: number;
  overhead: number;
}
interface PushFigures {
  total: number;
  waves: WaveFigures[];
  cpu: number;
}

const pct = (xs: number[], p: number) => [...xs].sort((a, b) => a - b)[Math.max(0, Math.ceil((p / 100) * xs.length) - 1)];
const s = (ms: number) => `${(ms / 1000).toFixed(2)} s`;
const p50max = (xs: number[]) => `p50 ${s(pct(xs, 50))}, max ${s(Math.max(...xs))}`;
const at = (iso: string) => Date.parse(iso);
const load = () =>
  loadavg()
    .map((l) => l.toFixed(1))
    .join(' ');

/** Wave labels: the first tenth of the clusters wave 1, the next three tenths wave 2, the rest wave 3. */
const waveOf = (i: number) => (i < Math.max(1, Math.round(CLUSTERS / 10)) ? '1' : i < Math.round((4 * CLUSTERS) / 10) ? '2' : '3');

async function main(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'flotilla-bench-rollout-'));
  process.once('exit', () => rmSync(dir, { recursive: true, force: true })); // even after a crash
  const env: Record<string, string> = { FLOTILLA_ADMIN_TOKEN: ADMIN, FLOTILLA_LOG_LEVEL: 'warn', FLOTILLA_GIT__ALLOW_INSECURE_HTTP: 'true' };
  for (const [bench, key] of [
    ['BENCH_CONCURRENCY', 'CONCURRENCY'],
    ['BENCH_PER_CLUSTER_CONCURRENCY', 'PER_CLUSTER_CONCURRENCY'],
    ['BENCH_ENGINE_CONCURRENCY', 'ENGINE_CONCURRENCY'],
    ['BENCH_HEALTH_RECHECK_SECONDS', 'HEALTH_RECHECK_SECONDS'],
  ]) {
    if (process.env[bench]) env[`FLOTILLA_SYNC__${key}`] = process.env[bench]!;
  }
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
  const defaults = !['BENCH_CONCURRENCY', 'BENCH_PER_CLUSTER_CONCURRENCY', 'BENCH_ENGINE_CONCURRENCY', 'BENCH_HEALTH_RECHECK_SECONDS'].some((k) => process.env[k]);
  const settings = `sync.concurrency ${sync.concurrency}, perClusterConcurrency ${sync.perClusterConcurrency}, engineConcurrency ${sync.engineConcurrency}, healthRecheckSeconds ${sync.healthRecheckSeconds}${defaults ? ' (the service defaults)' : ''}`;
  const shared =
    SERVERS < CLUSTERS
      ? `; ${CLUSTERS} clusters registered on ${SERVERS} kube-apiservers (each server under ${Math.ceil(CLUSTERS / SERVERS)} cluster names, every name with namespaces of its own)`
      : `; ${CLUSTERS} kube-apiservers`;
  console.log(`rollout: 20 objects × ${NAMESPACES} namespaces × ${CLUSTERS} clusters = ${TARGETS} targets${shared}; ${settings}; load average ${load()}`);

  let service: Promise<ServiceProcess> | undefined, starting: Promise<[TestBed, GitHttpServer]> | undefined;
  let standIn: DeploymentStandIn | undefined;
  let cleaning: Promise<void> | undefined;
  const cleanup = () =>
    (cleaning ??= (async () => {
      abortStart.abort();
      await standIn?.stop();
      await service?.then(
        (sp) => sp.stop(),
        () => undefined,
      );
      const [bed, git] = (await starting?.catch(() => undefined)) ?? [];
      await Promise.allSettled([bed?.stop(), git?.stop()]);
      rmSync(dir, { recursive: true, force: true });
    })());
  for (const signal of ['SIGINT', 'SIGTERM'] as const) process.once(signal, () => void cleanup().finally(() => process.exit(130)));
  try {
    service = ServiceProcess.start(serviceOptions);
    service.catch(() => undefined); // awaited below; not unhandled while the clusters start
    const t = Date.now();
    starting = Promise.all([TestBed.start({ names: Array.from({ length: SERVERS }, (_, i) => `apiserver-${i + 1}`) }), GitHttpServer.start()]);
    const [bed, git] = await starting;
    console.log(`${SERVERS} kube-apiservers ready in ${s(Date.now() - t)}`);
    const repo = await git.createRepository('fleet');
    let version = 1;
    const first = await repo.commit({ 'apps/fleet/objects.yaml': manifest(String(version)) }, { message: `fleet v${version}` });
    const { baseUrl, pid } = await service;
    const api = apiClient(baseUrl, ADMIN);
    const must = async (what: string, res: Promise<{ status: number; body: any }>) => {
      const r = await res;
      if (r.status >= 300) throw new Error(`${what}: ${r.status} ${JSON.stringify(r.body)}`);
      return r.body;
    };
    standIn = new DeploymentStandIn(bed.clusters);
    standIn.start();

    const clusters = Array.from({ length: CLUSTERS }, (_, i) => ({ name: `cluster-${String(i + 1).padStart(2, '0')}`, server: bed.clusters[i % SERVERS], wave: waveOf(i) }));
    for (const c of clusters) {
      await must(
        `registering ${c.name}`,
        api.post('/api/v1/clusters', {
          name: c.name,
          server: c.server.server,
          labels: { bench: 'rollout', wave: c.wave },
          tls: { caData: c.server.caData },
          auth: { type: 'bearerToken', token: c.server.adminToken },
        }),
      );
    }
    const perWave = (w: string) => clusters.filter((c) => c.wave === w).length * NAMESPACES;
    console.log(`waves: w1 ${perWave('1')} targets, w2 ${perWave('2')}, w3 ${perWave('3')} (${clusters.map((c) => `${c.name}→${c.server.name} wave=${c.wave}`).join(', ')})`);
    // polling off: the webhook is what announces a new commit
    await must('registering the repository', api.post('/api/v1/repositories', { name: 'fleet', url: git.url('fleet'), pollIntervalSeconds: 3600, webhookSecret: HOOK_SECRET }));
    for (const t0 = Date.now(); (await api.get('/api/v1/repositories/fleet')).body.status?.revision !== first; await sleep(100)) {
      if (Date.now() - t0 > 30_000) throw new Error('the repository was not fetched within 30 s');
    }

    const rollout = { waves: ['1', '2', '3'].map((w) => ({ name: `w${w}`, clusterSelector: { matchLabels: { wave: w } }, soakSeconds: 0 })) };
    const targetsNow = async (): Promise<any[]> => (await must('listing', api.get('/api/v1/applications'))).items.find((a: any) => a.name === APP).status.targets;
    /** Polls the list until every target is Synced at `sha` (and Healthy, with `healthy`); ms after `since` when it was first seen. */
    const untilAll = async (sha: string, since: number, what: string, healthy: boolean): Promise<number> => {
      for (;;) {
        const ts = await targetsNow();
        if (ts.length === TARGETS && ts.every((x) => x.sync === 'Synced' && x.revision?.sha === sha && (!healthy || x.health === 'Healthy'))) return Date.now() - since;
        if (Date.now() - since > DEADLINE_MS)
          throw new Error(
            `${what}: not every target ${healthy ? 'Synced and Healthy' : 'Synced'} after ${s(DEADLINE_MS)}: ${JSON.stringify(ts.filter((x) => x.sync !== 'Synced' || x.health !== 'Healthy').slice(0, 3))}`,
          );
        await sleep(POLL_MS);
      }
    };
    const untilCompleted = async (sha: string, since: number, what: string): Promise<any> => {
      for (;;) {
        const r = await api.get(`/api/v1/applications/${APP}/rollout`);
        if (r.status === 200 && r.body.revision === sha) {
          if (r.body.state === 'Completed' && r.body.waves.reduce((n: number, w: any) => n + w.done, 0) === TARGETS) return r.body;
          if (['Halted', 'RolledBack', 'Superseded'].includes(r.body.state)) throw new Error(`${what}: the rollout is ${r.body.state}: ${r.body.message}`);
        }
        if (Date.now() - since > DEADLINE_MS) throw new Error(`${what}: rollout not Completed after ${s(DEADLINE_MS)}: ${JSON.stringify(r.body).slice(0, 1500)}`);
        await sleep(POLL_MS);
      }
    };
    /** The newest run id now: runs after it belong to what comes next. */
    const lastRunId = async () => (await must('history', api.get(`/api/v1/applications/${APP}/history?limit=1`))).items[0]?.id ?? 0;
    /** The runs at `sha` after run `after`, by target. */
    const runsAt = async (sha: string, after: number): Promise<Map<string, Run[]>> => {
      const byTarget = new Map<string, Run[]>();
      for (let cursor: string | null = null; ;) {
        const page: any = await must('history', api.get(`/api/v1/applications/${APP}/history?limit=500${cursor ? `&cursor=${cursor}` : ''}`));
        for (const r of page.items as Run[]) {
          if (r.id > after && r.revision === sha) byTarget.set(`${r.cluster}/${r.namespace}`, [...(byTarget.get(`${r.cluster}/${r.namespace}`) ?? []), r]);
        }
        cursor = page.nextCursor;
        if (!cursor || page.items.some((r: Run) => r.id <= after)) break;
      }
      return byTarget;
    };
    /**
     * First run start to last run finish over `targets`, of the runs that started by `until`: a run
     * that failed (a cluster that hung up under load) and its retry both count as apply.
     */
    const span = (byTarget: Map<string, Run[]>, targets: string[], until: number) => {
      const runs = targets.map((t) => (byTarget.get(t) ?? []).filter((r) => at(r.startedAt) <= until));
      const lacking = targets.filter((t, i) => !runs[i].some((r) => r.phase === 'Succeeded' && r.finishedAt));
      if (lacking.length) throw new Error(`no Succeeded run of ${lacking.slice(0, 3).join(', ')}${lacking.length > 3 ? ` and ${lacking.length - 3} more` : ''}`);
      const all = runs.flat().filter((r) => r.finishedAt);
      return {
        start: Math.min(...all.map((r) => at(r.startedAt))),
        end: Math.max(...all.map((r) => at(r.finishedAt!))),
        failed: all.filter((r) => r.phase !== 'Succeeded').length,
      };
    };
    /** A commit that changes all 20 objects of every target, announced by a signed push webhook; the time it was sent. */
    const push = async (): Promise<{ sha: string; at: number }> => {
      version++;
      const sha = await repo.commit({ 'apps/fleet/objects.yaml': manifest(String(version)) }, { message: `fleet v${version}` });
      const body = JSON.stringify({ ref: 'refs/heads/main', after: sha, repository: { clone_url: git.url('fleet') } });
      const sent = Date.now();
      const hook = await api.call('POST', '/api/v1/webhooks/git', body, {
        'content-type': 'application/json',
        'x-github-event': 'push',
        'x-github-delivery': `bench-${version}`,
        'x-hub-signature-256': signGithub(body, HOOK_SECRET),
      });
      if (hook.status !== 202) throw new Error(`webhook: ${hook.status} ${JSON.stringify(hook.body)}`);
      return { sha, at: sent };
    };

    // the first rollout: the application created with its waves
    const t0 = Date.now();
    await must(
      'creating the application',
      api.post('/api/v1/applications', {
        name: APP,
        repository: 'fleet',
        path: 'apps/fleet',
        rollout,
        destinations: Array.from({ length: NAMESPACES }, (_, i) => ({ clusterSelector: { matchLabels: { bench: 'rollout' } }, namespace: `{{cluster.name}}-${i}` })),
        syncPolicy: { automated: true, prune: true, selfHeal: true },
      }),
    );
    await untilCompleted(first, t0, 'first rollout');
    const firstMs = await untilAll(first, t0, 'first rollout', true);
    console.log(`first rollout (application created → Completed, all Healthy): ${s(firstMs)}`);

    // pushes through the waves
    const pushes: PushFigures[] = [];
    for (let n = 1; n <= REPEATS; n++) {
      const after = await lastRunId();
      const cpu0 = cpuOf(pid).own;
      const p = await push();
      const done = await untilCompleted(p.sha, p.at, `push ${n}`);
      const cpu = cpuOf(pid).own - cpu0;
      const runs = await runsAt(p.sha, after);
      let previousEnd = p.at;
      let failed = 0;
      const waves: WaveFigures[] = [];
      for (const w of done.waves.filter((x: any) => x.total > 0)) {
        const started = at(w.startedAt),
          finished = at(w.finishedAt);
        const a = span(
          runs,
          w.targets.map((x: any) => `${x.cluster}/${x.namespace}`),
          finished,
        );
        failed += a.failed;
        waves.push({
          name: w.name,
          targets: w.total,
          startLag: started - previousEnd,
          duration: finished - started,
          apply: a.end - a.start,
          pickUp: a.start - started,
          confirm: finished - a.end,
          overhead: finished - started - (a.end - a.start),
        });
        previousEnd = finished;
      }
      const total = at(done.finishedAt) - p.at;
      pushes.push({ total, waves, cpu });
      console.log(`push ${n}/${REPEATS} (${p.sha.slice(0, 7)}): push → Completed ${s(total)}; service CPU ${cpu.toFixed(1)} s${failed ? `; ${failed} failed runs retried` : ''}`);
      for (const w of waves) {
        console.log(
          `  ${w.name} (${w.targets} targets): ${w === waves[0] ? 'push' : 'previous wave finished'} → started ${s(w.startLag)}; started → finished ${s(w.duration)} = apply ${s(w.apply)} + overhead ${s(w.overhead)} (release → first run ${s(w.pickUp)}, last run finished → wave finished ${s(w.confirm)})`,
        );
      }
    }

    // the same pushes without a rollout: every target at once
    await must('removing the rollout', api.patch(`/api/v1/applications/${APP}`, { rollout: null }));
    const plain: { synced: number; healthy: number; apply: number }[] = [];
    for (let n = 1; n <= REPEATS; n++) {
      const after = await lastRunId();
      const p = await push();
      const synced = await untilAll(p.sha, p.at, `push ${n} without rollout`, false);
      const healthy = await untilAll(p.sha, p.at, `push ${n} without rollout`, true);
      const runs = await runsAt(p.sha, after);
      const a = span(runs, [...runs.keys()], p.at + healthy);
      if (runs.size !== TARGETS) throw new Error(`push ${n} without rollout: runs of ${runs.size} targets, not ${TARGETS}`);
      plain.push({ synced, healthy, apply: a.end - a.start });
      console.log(
        `push ${n}/${REPEATS} without rollout (${p.sha.slice(0, 7)}): → all Synced ${s(synced)}, → all Healthy ${s(healthy)} (as polled every ${POLL_MS} ms); apply span ${s(a.end - a.start)}${a.failed ? `; ${a.failed} failed runs retried` : ''}`,
      );
    }

    const names = pushes[0].waves.map((w) => w.name);
    const of = (name: string, f: (w: WaveFigures) => number) => pushes.map((p) => f(p.waves.find((w) => w.name === name)!));
    const overheads = pushes.flatMap((p) => p.waves.map((w) => w.overhead));
    const rows: [string, string][] = [
      [
        'set-up',
        `${TARGETS} targets (${TARGETS * 20} objects): ${CLUSTERS} clusters × ${NAMESPACES} namespaces${SERVERS < CLUSTERS ? ` — the ${CLUSTERS} clusters are ${SERVERS} kube-apiservers registered ${Math.ceil(CLUSTERS / SERVERS)} times each under different names` : ''}; waves ${names.map((w) => `${w} ${pushes[0].waves.find((x) => x.name === w)!.targets}`).join(' / ')}, soakSeconds 0`,
      ],
      ['sync settings', settings],
      ['first rollout: create → Completed', s(firstMs)],
      [`rollout push → Completed (${REPEATS} pushes, every object changed)`, p50max(pushes.map((p) => p.total))],
      ...names.flatMap((name, i): [string, string][] => [
        [`  ${name}: ${i === 0 ? 'push' : `${names[i - 1]} finished`} → ${name} started`, p50max(of(name, (w) => w.startLag))],
        [`  ${name}: started → finished`, p50max(of(name, (w) => w.duration))],
        [`  ${name}: apply span (sync runs)`, p50max(of(name, (w) => w.apply))],
        [
          `  ${name}: rollout overhead`,
          `${p50max(of(name, (w) => w.overhead))}  (release → first run p50 ${s(
            pct(
              of(name, (w) => w.pickUp),
              50,
            ),
          )}, last run → wave finished p50 ${s(
            pct(
              of(name, (w) => w.confirm),
              50,
            ),
          )})`,
        ],
      ]),
      ['rollout overhead per wave, all waves', `${p50max(overheads)}  (goal < 1 s)`],
      ['rollout overhead + gaps per push (push → Completed − apply spans)', p50max(pushes.map((p) => p.total - p.waves.reduce((a, w) => a + w.apply, 0)))],
      [`no rollout: push → all Synced (${REPEATS} pushes)`, p50max(plain.map((p) => p.synced))],
      ['no rollout: push → all Healthy', p50max(plain.map((p) => p.healthy))],
      ['no rollout: apply span (sync runs)', p50max(plain.map((p) => p.apply))],
      ['service CPU per rollout push (CPU s)', p50max(pushes.map((p) => p.cpu * 1000))],
    ];
    const width = Math.max(...rows.map((r) => r[0].length));
    console.log(`\nfigures\n${rows.map(([k, v]) => `${k.padEnd(width)}  ${v}`).join('\n')}`);
    console.log(
      `goal: overhead < 1 s per wave and a 3-wave rollout of ${TARGETS} targets < 5 s plus soak → overhead ${Math.max(...overheads) < 1000 ? 'met' : 'NOT met'}, push → Completed ${
        pct(
          pushes.map((p) => p.total),
          50,
        ) < 5000
          ? 'met'
          : 'NOT met'
      } (p50)`,
    );
    console.log(
      `times from the rollout API (wave startedAt/finishedAt, rollout finishedAt) and the sync history, against the time the webhook was sent; the no-rollout times as polled every ${POLL_MS} ms; the Deployment stand-in (a watch per API server) wrote ${standIn.writes} statuses; the service runs src/main.ts through @swc-node/register (as ServiceProcess starts it); load average at the end ${load()} on ${SERVERS} kube-apiservers + etcd + the service on this machine`,
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
