// `npm run bench:memory`: what the service holds at rest, and how that grows with the objects it
// manages. The service runs as `npm start` runs it — compiled by tsc (into a temporary directory,
// not dist/) and started with plain node, a child process with an empty data directory — because
// @swc-node/register, through which ServiceProcess runs the sources for tests, adds some 90 MB of
// its own; BENCH_RUNTIME=swc measures it that way anyway (no compile step).
// Readings: after start; after 200 API requests, and again BENCH_REST_SECONDS (65) later; with two
// test-bed clusters and a repository registered; and at each size of BENCH_OBJECTS (default
// 2000,20000 managed objects) — applications of BENCH_OBJECTS_PER_TARGET ConfigMaps (20) fanned
// out to BENCH_NAMESPACES_PER_APP namespaces (50) on both clusters, added until the size is
// reached — once every target is Synced, and again BENCH_REST_SECONDS later, when the manifest
// parser's workers have retired (60 s idle). Then the slope per 1,000 managed objects.
// RSS is VmRSS (peak: VmHWM) from /proc/<pid>/status; heap is what the service's /metrics says
// (prom-client's flotilla_nodejs_heap_size_used_bytes and _total_bytes); CPU from /proc/<pid>/stat.
// The service runs with the environment and node flags of package.json's start script
// (MALLOC_ARENA_MAX=2 node --max-semi-space-size=4 …); BENCH_PLAIN=1 leaves them out, and
// BENCH_NODE_OPTIONS adds to them (the service's NODE_OPTIONS);
// BENCH_HEAP_SNAPSHOTS=DIR writes a heap snapshot after each reading (for Chrome DevTools; writing
// one inflates the process, so later readings are higher than without).
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, renameSync, rmSync, statSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { createInterface } from 'node:readline';
import { stringify } from 'yaml';
import { apiClient } from '../support/api';
import { GitHttpServer } from '../support/git-server';
import { freePort } from '../support/ports';
import { ServiceProcess, type ServiceProcessOptions } from '../support/service-process';
import { parentDeathWrapper, TestBed } from '../testbed/cluster';

const root = resolve(__dirname, '../..');
const list = (v: string | undefined, fallback: string) =>
  (v || fallback)
    .split(',')
    .map(Number)
    .filter((n) => n > 0);
const STAGES = list(process.env.BENCH_OBJECTS, '2000,20000');
const PER_TARGET = Number(process.env.BENCH_OBJECTS_PER_TARGET || 20);
const NAMESPACES_PER_APP = Number(process.env.BENCH_NAMESPACES_PER_APP || 50);
const REST_SECONDS = Number(process.env.BENCH_REST_SECONDS ?? 65);
const SETTLE_SECONDS = 5;
const RUNTIME = process.env.BENCH_RUNTIME === 'swc' ? 'swc' : 'compiled';
const SNAPSHOTS = process.env.BENCH_HEAP_SNAPSHOTS ? resolve(process.env.BENCH_HEAP_SNAPSHOTS) : undefined;
const STAGE_TIMEOUT_MS = 30 * 60_000;
const ADMIN = `bench-${randomBytes(16).toString('hex')}`;
const CLUSTERS = ['memory-a', 'memory-b'];
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const mib = (bytes: number) => bytes / 1048576;

/** The service as a child process: its pid for /proc, its URL, and a stop. */
interface Service {
  pid: number;
  baseUrl: string;
  stop(): Promise<void>;
}

/** tsc with the build's settings into `dir` (what `npm run build` puts in dist/), ready to run from there. */
function compile(dir: string): string {
  const t = Date.now();
  try {
    execFileSync(process.execPath, [join(root, 'node_modules/typescript/bin/tsc'), '-p', join(root, 'tsconfig.build.json'), '--outDir', dir], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
  } catch (e) {
    // type errors still emit JavaScript; a tree someone is editing may have a few
    const out = String((e as { stdout?: Buffer }).stdout ?? '');
    console.warn(`tsc reported ${out.split('\n').filter((l) => / error TS/.test(l)).length} type error(s); running what it emitted`);
  }
  const main = join(dir, 'src/main.js');
  if (!existsSync(main)) throw new Error('tsc emitted no src/main.js');
  // config/ is found beside the package.json above main.js, and packages through node_modules
  copyFileSync(join(root, 'package.json'), join(dir, 'package.json'));
  symlinkSync(join(root, 'config'), join(dir, 'config'));
  symlinkSync(join(root, 'node_modules'), join(dir, 'node_modules'));
  console.log(`compiled in ${((Date.now() - t) / 1000).toFixed(0)} s`);
  return main;
}

/** The variables and node flags `npm start` runs the service with: `A=1 B=2 node --flag … dist/src/main.js`. */
function startScriptSettings(): { env: Record<string, string>; flags: string[] } {
  if (process.env.BENCH_PLAIN === '1') return { env: {}, flags: [] };
  const start: string = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')).scripts.start;
  const m = /^((?:[A-Z_]+=\S+\s+)*)node\s+((?:--\S+\s+)*)dist\/src\/main\.js$/.exec(start.trim());
  if (!m) throw new Error(`package.json's start script is not "VAR=value … node --flag … dist/src/main.js": ${start}`);
  const env = Object.fromEntries(
    m[1]
      .trim()
      .split(/\s+/)
      .filter(Boolean)
      .map((kv) => [kv.slice(0, kv.indexOf('=')), kv.slice(kv.indexOf('=') + 1)]),
  );
  return { env, flags: m[2].trim().split(/\s+/).filter(Boolean) };
}
const START = startScriptSettings();

/** `node <main.js>` in a process group of its own, as ServiceProcess starts the sources. */
async function startCompiled(main: string, opts: ServiceProcessOptions): Promise<Service> {
  const env = { ...ServiceProcess.environment(opts), ...START.env };
  mkdirSync(opts.dataDir, { recursive: true });
  const command = [process.execPath, ...START.flags, main];
  const [file, args] = parentDeathWrapper() ? ['setpriv', ['--pdeathsig', 'KILL', '--', ...command]] : [command[0], command.slice(1)];
  const child: ChildProcess = spawn(file, args, { cwd: opts.dataDir, env, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
  const killGroup = (signal: NodeJS.Signals) => {
    try {
      process.kill(-child.pid!, signal);
    } catch {
      /* gone */
    }
  };
  const exitHook = () => killGroup('SIGKILL');
  process.once('exit', exitHook);
  const exited = new Promise<void>((done) => child.once('exit', () => done()));
  const lines: string[] = [];
  for (const stream of [child.stdout!, child.stderr!]) {
    createInterface({ input: stream }).on('line', (line) => {
      lines.push(line);
      if (lines.length > 50) lines.shift();
    });
  }
  const baseUrl = `http://127.0.0.1:${opts.port}`;
  let gone = false;
  void exited.then(() => (gone = true));
  for (const deadline = Date.now() + 120_000; ; await sleep(200)) {
    if ((await fetch(`${baseUrl}/readyz`).catch(() => undefined))?.status === 200) break;
    if (gone || Date.now() > deadline) {
      killGroup('SIGKILL');
      throw new Error(`the service ${gone ? 'exited' : 'was not ready within 120 s'}:\n${lines.join('\n')}`);
    }
  }
  return {
    pid: child.pid!,
    baseUrl,
    async stop() {
      killGroup('SIGTERM');
      const timer = setTimeout(() => killGroup('SIGKILL'), 25_000);
      await exited;
      clearTimeout(timer);
      killGroup('SIGKILL');
      process.removeListener('exit', exitHook);
    },
  };
}

function manifest(): string {
  const docs = Array.from({ length: PER_TARGET }, (_, i) => ({
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata: { name: `config-${i}`, labels: { tier: 'bench' } },
    data: { index: String(i), payload: 'x'.repeat(256) },
  }));
  return docs.map((d) => stringify(d)).join('---\n');
}

/** The samples of a Prometheus text exposition, summed over labels per metric name (or per name and one label value). */
function metricValues(text: string): Map<string, number> {
  const values = new Map<string, number>();
  for (const line of text.split('\n')) {
    const m = /^([a-zA-Z_:][\w:]*)(\{[^}]*\})?\s+(\S+)$/.exec(line);
    if (!m) continue;
    const add = (key: string) => values.set(key, (values.get(key) ?? 0) + Number(m[3]));
    add(m[1]);
    const sync = m[2] && /sync="([^"]*)"/.exec(m[2])?.[1];
    if (sync) add(`${m[1]}{sync=${sync}}`);
  }
  return values;
}

interface Reading {
  label: string;
  objects: number;
  rss: number;
  peak: number;
  heapUsed: number;
  heapTotal: number;
  liveCache: number;
  threads: number;
  /** CPU seconds the service has used so far (user + system) */
  cpu: number;
}

const TICKS = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim());
function cpuSeconds(pid: number): number {
  const text = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const f = text
    .slice(text.lastIndexOf(')') + 2)
    .split(' ')
    .map(Number);
  return (f[11] + f[12]) / TICKS;
}

async function main(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'flotilla-bench-memory-'));
  process.once('exit', () => rmSync(dir, { recursive: true, force: true })); // even after a crash
  const nodeOptions = [process.env.BENCH_NODE_OPTIONS ?? '', SNAPSHOTS ? '--heapsnapshot-signal=SIGUSR2' : ''].join(' ').trim();
  const dataDir = join(dir, 'data');
  const serviceOptions: ServiceProcessOptions = {
    dataDir,
    port: await freePort(),
    env: {
      FLOTILLA_ADMIN_TOKEN: ADMIN,
      // the defaults a deployment runs with, apart from what a local bench needs
      NODE_ENV: 'production',
      FLOTILLA_LOG_LEVEL: 'warn',
      FLOTILLA_GIT__ALLOW_INSECURE_HTTP: 'true',
      ...(nodeOptions ? { NODE_OPTIONS: nodeOptions } : {}),
    },
    parentDeathSignal: 'TERM',
    startTimeoutMs: 120_000,
  };
  const objectsPerApp = PER_TARGET * NAMESPACES_PER_APP * CLUSTERS.length;
  const settings = RUNTIME === 'swc' ? '' : `as npm start: ${[...Object.entries(START.env).map(([k, v]) => `${k}=${v}`), 'node', ...START.flags].join(' ')}; `;
  console.log(
    `memory: ${RUNTIME === 'swc' ? 'sources through @swc-node/register (ServiceProcess)' : 'compiled with tsc, plain node'}; ${settings}NODE_OPTIONS=${nodeOptions || '(none)'}; ` +
      `stages ${STAGES.join(', ')} objects; an application = ${PER_TARGET} ConfigMaps × ${NAMESPACES_PER_APP} namespaces × ${CLUSTERS.length} clusters = ${objectsPerApp} objects`,
  );

  let service: Service | undefined;
  let starting: Promise<[TestBed, GitHttpServer]> | undefined;
  let cleaning: Promise<void> | undefined;
  const cleanup = () =>
    (cleaning ??= (async () => {
      await service?.stop().catch(() => undefined);
      const [bed, git] = (await starting?.catch(() => undefined)) ?? [];
      await Promise.allSettled([bed?.stop(), git?.stop()]);
      rmSync(dir, { recursive: true, force: true });
    })());
  for (const signal of ['SIGINT', 'SIGTERM'] as const) process.once(signal, () => void cleanup().finally(() => process.exit(130)));

  try {
    if (RUNTIME === 'swc') {
      const s = await ServiceProcess.start(serviceOptions);
      service = { pid: s.pid, baseUrl: s.baseUrl, stop: () => s.stop() };
    } else {
      service = await startCompiled(compile(join(dir, 'build')), serviceOptions);
    }
    const { pid, baseUrl } = service;
    const api = apiClient(baseUrl, ADMIN);
    const must = async (what: string, res: Promise<{ status: number; body: any }>) => {
      const r = await res;
      if (r.status >= 300) throw new Error(`${what}: ${r.status} ${JSON.stringify(r.body)}`);
      return r.body;
    };
    const metrics = async () => metricValues(String((await api.get('/metrics')).body));

    const readings: Reading[] = [];
    let snapshots = 0;
    const read = async (label: string, objects: number) => {
      const status = readFileSync(`/proc/${pid}/status`, 'utf8');
      const kib = (field: string) => Number(new RegExp(`${field}:\\s+(\\d+) kB`).exec(status)![1]);
      const m = await metrics();
      const r: Reading = {
        label,
        objects,
        rss: kib('VmRSS') / 1024,
        peak: kib('VmHWM') / 1024,
        heapUsed: mib(m.get('flotilla_nodejs_heap_size_used_bytes') ?? NaN),
        heapTotal: mib(m.get('flotilla_nodejs_heap_size_total_bytes') ?? NaN),
        liveCache: m.get('flotilla_live_cache_objects') ?? 0,
        threads: Number(/Threads:\s+(\d+)/.exec(status)![1]),
        cpu: cpuSeconds(pid),
      };
      readings.push(r);
      console.log(
        `${label}: RSS ${r.rss.toFixed(0)} MiB (peak ${r.peak.toFixed(0)}), heap ${r.heapUsed.toFixed(0)} of ${r.heapTotal.toFixed(0)} MiB, ${r.liveCache} objects in the live cache, ${r.threads} threads`,
      );
      if (SNAPSHOTS) await snapshot(pid, dataDir, join(SNAPSHOTS, `${String(++snapshots).padStart(2, '0')}-${label.replace(/\W+/g, '-')}.heapsnapshot`));
    };

    await sleep(SETTLE_SECONDS * 1000);
    await read('start', 0);

    // what a person or the web UI asks for at rest
    const paths = [
      '/api/v1/clusters',
      '/api/v1/applications',
      '/api/v1/repositories',
      '/api/v1/channels',
      '/api/v1/audit?limit=50',
      '/api/v1/applications/nothing-here',
      '/healthz',
      '/metrics',
    ];
    for (let i = 0; i < 200; i++) await api.get(paths[i % paths.length]);
    await sleep(SETTLE_SECONDS * 1000);
    await read('200 API requests', 0);
    if (REST_SECONDS > 0) {
      await sleep(REST_SECONDS * 1000);
      await read(`idle, ${REST_SECONDS} s later`, 0);
    }

    starting = Promise.all([TestBed.start({ names: CLUSTERS }), GitHttpServer.start()]);
    const [bed, git] = await starting;
    const repo = await git.createRepository('config');
    const sha = await repo.commit({ 'apps/config/objects.yaml': manifest() }, { message: 'config' });
    for (const c of bed.clusters) {
      await must(
        `registering ${c.name}`,
        api.post('/api/v1/clusters', {
          name: c.name,
          server: c.server,
          labels: { bench: 'memory' },
          tls: { caData: c.caData },
          auth: { type: 'bearerToken', token: c.adminToken },
        }),
      );
    }
    await must('registering the repository', api.post('/api/v1/repositories', { name: 'config', url: git.url('config'), pollIntervalSeconds: 3600 }));
    for (const t = Date.now(); (await api.get('/api/v1/repositories/config')).body.status?.revision !== sha; await sleep(200)) {
      if (Date.now() - t > 60_000) throw new Error('the repository was not fetched within 60 s');
    }
    await sleep(SETTLE_SECONDS * 1000);
    await read('2 clusters, 1 repository', 0);

    let apps = 0;
    for (const stage of STAGES) {
      const want = Math.max(apps, Math.round(stage / objectsPerApp));
      const t0 = Date.now();
      for (; apps < want; apps++) {
        await must(
          `creating application ${apps}`,
          api.post('/api/v1/applications', {
            name: `mem-${apps}`,
            repository: 'config',
            path: 'apps/config',
            destinations: Array.from({ length: NAMESPACES_PER_APP }, (_, i) => ({ clusterSelector: { matchLabels: { bench: 'memory' } }, namespace: `mem-${apps}-${i}` })),
            syncPolicy: { automated: true, prune: true, selfHeal: true },
          }),
        );
      }
      const targets = apps * NAMESPACES_PER_APP * CLUSTERS.length;
      const objects = targets * PER_TARGET;
      await untilSynced(metrics, targets, t0);
      console.log(`${objects} objects on ${targets} targets Synced after ${((Date.now() - t0) / 1000).toFixed(0)} s`);
      await sleep(SETTLE_SECONDS * 1000);
      await read(`${objects} objects`, objects);
      if (REST_SECONDS > 0) {
        await sleep(REST_SECONDS * 1000);
        await read(`${objects} objects, ${REST_SECONDS} s later`, objects);
      }
    }
    report(readings);
  } finally {
    await cleanup();
  }
}

/** Until `targets` targets are Synced and none is due (from the service's /metrics, which is cheap to ask). */
async function untilSynced(metrics: () => Promise<Map<string, number>>, targets: number, since: number): Promise<void> {
  let lastLog = Date.now();
  for (;;) {
    const m = await metrics();
    const synced = m.get('flotilla_targets{sync=Synced}') ?? 0;
    if (synced >= targets && (m.get('flotilla_reconcile_queue_depth') ?? 0) === 0) return;
    if (Date.now() - since > STAGE_TIMEOUT_MS) throw new Error(`${synced}/${targets} targets Synced after ${STAGE_TIMEOUT_MS / 60_000} minutes`);
    if (Date.now() - lastLog > 30_000) {
      console.log(`  … ${synced}/${targets} targets Synced (${((Date.now() - since) / 1000).toFixed(0)} s)`);
      lastLog = Date.now();
    }
    await sleep(2000);
  }
}

function report(readings: Reading[]): void {
  const rows = readings.map((r) => [r.label, r.rss.toFixed(0), r.peak.toFixed(0), r.heapUsed.toFixed(0), r.heapTotal.toFixed(0), String(r.liveCache), r.cpu.toFixed(1)]);
  const head = ['reading', 'RSS MiB', 'peak MiB', 'heap used MiB', 'heap total MiB', 'live cache objects', 'CPU s so far'];
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  const line = (cells: string[]) => cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join('  ');
  console.log(`\n${line(head)}\n${rows.map(line).join('\n')}`);
  // the slope between the first and the last size, each at rest when there is such a reading
  const atRest = (objects: number) => readings.filter((r) => r.objects === objects).at(-1)!;
  const sizes = [...new Set(readings.filter((r) => r.objects > 0).map((r) => r.objects))];
  if (sizes.length >= 2) {
    const [a, b] = [atRest(sizes[0]), atRest(sizes.at(-1)!)];
    const per = (x: number, y: number) => ((y - x) / ((b.objects - a.objects) / 1000)).toFixed(2);
    console.log(`per 1,000 managed objects (${a.objects} → ${b.objects}): RSS +${per(a.rss, b.rss)} MiB, heap used +${per(a.heapUsed, b.heapUsed)} MiB`);
  }
  const idle = readings.filter((r) => r.objects === 0 && r.label !== '2 clusters, 1 repository').map((r) => r.rss.toFixed(0));
  const small = readings.find((r) => r.objects > 0);
  console.log(`goals: idle ≤ 110 MB: ${idle.join(', ')} MiB${small ? `; ≤ 150 MB at ${small.objects} objects: ${atRest(small.objects).rss.toFixed(0)} MiB` : ''}`);
}

/** SIGUSR2 (--heapsnapshot-signal) and wait until the snapshot in the service's working directory is complete. */
async function snapshot(pid: number, cwd: string, to: string): Promise<void> {
  mkdirSync(resolve(to, '..'), { recursive: true });
  const before = new Set(readdirSync(cwd));
  process.kill(pid, 'SIGUSR2');
  for (const deadline = Date.now() + 120_000; Date.now() < deadline; await sleep(1000)) {
    const file = readdirSync(cwd).find((f) => f.endsWith('.heapsnapshot') && !before.has(f));
    if (!file) continue;
    const size = statSync(join(cwd, file)).size;
    await sleep(2000);
    if (size > 0 && statSync(join(cwd, file)).size === size) {
      renameSync(join(cwd, file), to);
      console.log(`  heap snapshot: ${to}`);
      return;
    }
  }
  console.warn('  no heap snapshot within 120 s');
}

main().catch((e) => {
  console.error(e);
  process.exitCode = 1;
});
