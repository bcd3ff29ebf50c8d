// Benchmark of the sync engine against a test-bed cluster of its own. A pass is 200 objects (100
// ConfigMaps, 100 Deployments) into each of 10 fresh namespaces. One round per engine concurrency
// (BENCH_CONCURRENCY, default 8,16,32), each measuring back to back — the machine is shared, so
// the engine is compared with what the server managed moments before, not at another time:
//   1. the API server's own server-side-apply rate: the same placed objects as raw apply PATCHes,
//      32 and 64 in flight (BENCH_RAW_IN_FLIGHT), no reads; the round's best is its reference;
//   2. the engine, one target after another, with direct reads (DirectLiveState) and with the
//      watch-fed ClusterLiveCache (its kinds in use first, as the service does): a cold pass, then
//      the same objects again (unchanged), counting the requests the engine's client sends
//      (KubeClient's onRequest; a watch counts once, when opened).
// Every pass's objects are deleted after it (untimed), so each round meets a cluster of the same
// size. Last, `kubectl apply --server-side` on the same file, one run per namespace.
//   npm run bench:engine
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { ClusterLiveCache, placeObject, placeTargetNamespace, PlainManifestRenderer, refOf, SyncEngine, type RenderedObject, type Target } from '../../src/engine';
import { KubeClient } from '../../src/kube';
import { systemClock } from '../../src/shared/clock';
import { mapBounded } from '../../src/shared/map-bounded';
import { TestBed } from '../testbed/cluster';
import { rawApply } from './server-side-apply';

const NAMESPACES = 10;
const PER_NAMESPACE = 200;
const list = (v: string | undefined, fallback: string) =>
  (v ?? fallback)
    .split(',')
    .map(Number)
    .filter((n) => n > 0);
const CONCURRENCIES = list(process.env.BENCH_CONCURRENCY, '8,16,32');
const RAW_IN_FLIGHT = list(process.env.BENCH_RAW_IN_FLIGHT, '32,64');
const GOAL = 0.8;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function manifests(): string {
  const docs: object[] = [];
  for (let i = 0; i < PER_NAMESPACE / 2; i++) {
    docs.push({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: `config-${i}` }, data: { index: String(i), payload: 'x'.repeat(256) } });
    docs.push({
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name: `app-${i}` },
      spec: {
        replicas: 1,
        selector: { matchLabels: { app: `app-${i}` } },
        template: {
          metadata: { labels: { app: `app-${i}` } },
          spec: { containers: [{ name: 'main', image: `registry.example/app:${i}`, envFrom: [{ configMapRef: { name: `config-${i}` } }] }] },
        },
      },
    });
  }
  return docs.map((d) => stringify(d)).join('---\n');
}

const perSecond = (objects: number, ms: number) => objects / (ms / 1000);
const rate = (objects: number, ms: number) => `${perSecond(objects, ms).toFixed(0)} objects/s (${(ms / 1000).toFixed(2)} s)`;

type Counted = { total: number; byVerb: Record<string, number> };

/** Requests a client sent, by verb (`dryrun` for dry-run applies, `WATCH` for watch streams opened). */
class RequestCount {
  private counts = new Map<string, number>();
  readonly note = ({ verb, dryRun }: { verb: string; dryRun: boolean }) => {
    const k = dryRun ? 'dryrun' : verb;
    this.counts.set(k, (this.counts.get(k) ?? 0) + 1);
  };

  /** What was counted since the last take, and a fresh start. */
  take(): Counted {
    const byVerb = Object.fromEntries([...this.counts].sort());
    this.counts = new Map();
    return { total: Object.values(byVerb).reduce((a, b) => a + b, 0), byVerb };
  }
}

/** milliseconds, and the requests the engine sent */
interface EnginePass {
  live: 'direct' | 'cache';
  cold: number;
  coldRequests: Counted;
  unchanged: number;
  unchangedRequests: Counted;
}

interface Round {
  concurrency: number;
  raw: Array<{ inFlight: number; ms: number }>;
  direct: EnginePass;
  cache: EnginePass;
}

async function main(): Promise<void> {
  let bed: Promise<TestBed> | undefined;
  const dir = mkdtempSync(join(tmpdir(), 'flotilla-bench-'));
  /** what is running besides the test bed: clients and their caches, stopped at the end */
  const running = new Set<() => Promise<void>>();
  let cleaning: Promise<void> | undefined;
  const cleanup = () =>
    (cleaning ??= (async () => {
      await Promise.allSettled([...running].map((stop) => stop()));
      await bed?.then(
        (b) => b.stop(),
        () => undefined,
      );
      rmSync(dir, { recursive: true, force: true });
    })());
  for (const signal of ['SIGINT', 'SIGTERM'] as const) process.once(signal, () => void cleanup().finally(() => process.exit(130)));
  try {
    bed = TestBed.start({ names: ['bench'] });
    const cluster = (await bed).get('bench');
    mkdirSync(join(dir, 'app'));
    writeFileSync(join(dir, 'app', 'objects.yaml'), manifests());
    const rendered: RenderedObject[] = await new PlainManifestRenderer().render(dir, 'app', { application: 'bench', cluster: cluster.name, namespace: 'x' });
    const total = NAMESPACES * rendered.length;
    const target = (namespace: string): Target => ({ application: 'bench', cluster: cluster.name, namespace });
    const admin = KubeClient.fromCredentials({ server: cluster.server, caData: cluster.caData, token: cluster.adminToken });
    running.add(async () => admin.close());
    console.log(
      `engine bench: ${NAMESPACES} namespaces × ${rendered.length} objects = ${total} objects a pass; engine concurrency ${CONCURRENCIES.join(', ')}; raw ${RAW_IN_FLIGHT.join(', ')} in flight`,
    );

    /** Deletes a pass's objects (its namespaces stay: no namespace controller runs here). */
    const empty = async (namespaces: readonly string[]) => {
      await mapBounded(
        namespaces.flatMap((ns) => [`/api/v1/namespaces/${ns}/configmaps`, `/apis/apps/v1/namespaces/${ns}/deployments`]),
        8,
        (path) => admin.request('DELETE', path),
      );
    };

    // 1. the server's own rate: the objects exactly as the engine places them, into fresh namespaces
    const rawPass = async (round: number, inFlight: number): Promise<number> => {
      const targets = Array.from({ length: NAMESPACES }, (_, n) => target(`raw${inFlight}-r${round}-${n}`));
      const ms = await rawApply(
        cluster,
        admin,
        targets.map((t) => placeTargetNamespace(t).object),
        targets.flatMap((t) => rendered.map((r) => placeObject(r.object, true, t).object)),
        inFlight,
      );
      await empty(targets.map((t) => t.namespace));
      console.log(`  raw server-side apply, ${inFlight} in flight: ${rate(total, ms)}`);
      return ms;
    };

    // 2. the engine, one target after another
    const enginePass = async (concurrency: number, live: EnginePass['live']): Promise<EnginePass> => {
      const requests = new RequestCount();
      const client = KubeClient.fromCredentials(
        { server: cluster.server, caData: cluster.caData, token: cluster.adminToken },
        { maxSockets: concurrency, onRequest: requests.note },
      );
      const cache = live === 'cache' ? new ClusterLiveCache(client, { clock: systemClock }) : undefined;
      const stop = async () => {
        await cache?.stop();
        client.close();
      };
      running.add(stop);
      const namespaces = Array.from({ length: NAMESPACES }, (_, n) => `c${concurrency}-${live}-${n}`);
      try {
        // as the service does (TargetReconciler): the kinds the target is about to apply and its
        // namespace, watched before it syncs
        await cache?.use('bench', [{ group: '', version: 'v1', kind: 'Namespace', name: namespaces[0] }, ...rendered.map((r) => refOf(r.object))]);
        const held = cache?.objects ?? 0;
        const engine = new SyncEngine(client, { concurrency, ...(cache ? { live: cache } : {}) });
        const syncAll = async () => {
          const started = performance.now();
          for (const ns of namespaces) {
            const result = await engine.sync({ target: target(ns), objects: rendered, prune: true });
            if (!result.ok) throw new Error(`sync failed: ${JSON.stringify(result.changes.find((c) => c.action === 'failed'))}`);
          }
          return performance.now() - started;
        };
        requests.take();
        const cold = await syncAll();
        const coldRequests = requests.take();
        let catchUpMs: number | undefined;
        if (cache) {
          const since = performance.now();
          while (cache.objects < held + total && performance.now() - since < 30_000) await sleep(5);
          catchUpMs = performance.now() - since;
          if (cache.objects < held + total) console.log(`  (the cache holds ${cache.objects - held} of ${total} new objects 30 s after the cold pass)`);
        }
        requests.take(); // nothing the engine sent: the informers' own, if any
        const unchanged = await syncAll();
        const unchangedRequests = requests.take();
        const per = (r: Counted) => `${(r.total / total).toFixed(3)} requests/object ${JSON.stringify(r.byVerb)}`;
        console.log(
          `  engine ${live.padEnd(6)} cold: ${rate(total, cold)}, ${per(coldRequests)}; unchanged: ${rate(total, unchanged)}, ${per(unchangedRequests)}${catchUpMs === undefined ? '' : `; the watch had every object ${catchUpMs.toFixed(0)} ms after the cold pass`}`,
        );
        await stop();
        await empty(namespaces);
        return { live, cold, coldRequests, unchanged, unchangedRequests };
      } finally {
        running.delete(stop);
        await stop();
      }
    };

    const rounds: Round[] = [];
    for (const concurrency of CONCURRENCIES) {
      console.log(`round: engine concurrency ${concurrency}`);
      const raw: Round['raw'] = [];
      for (const inFlight of RAW_IN_FLIGHT) raw.push({ inFlight, ms: await rawPass(rounds.length, inFlight) });
      rounds.push({ concurrency, raw, direct: await enginePass(concurrency, 'direct'), cache: await enginePass(concurrency, 'cache') });
    }

    // 3. kubectl, one run per namespace
    const kubectl = (ns: string) =>
      execFileSync(
        cluster.kubectl,
        ['--kubeconfig', cluster.kubeconfigPath, 'apply', '--server-side', '--field-manager', 'bench-kubectl', '-n', ns, '-f', join(dir, 'app', 'objects.yaml')],
        { stdio: ['ignore', 'ignore', 'inherit'] },
      );
    const kubectlRun = () => {
      const started = performance.now();
      for (let n = 0; n < NAMESPACES; n++) kubectl(`kubectl-${n}`);
      return performance.now() - started;
    };
    for (let n = 0; n < NAMESPACES; n++) await admin.apply({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: `kubectl-${n}` } }, { fieldManager: 'bench' });
    const kubectlCold = kubectlRun();
    const kubectlUnchanged = kubectlRun();

    printSummary(total, rounds, kubectlCold, kubectlUnchanged);
  } finally {
    await cleanup();
  }
}

function printSummary(total: number, rounds: Round[], kubectlCold: number, kubectlUnchanged: number): void {
  const fastest = (raw: Round['raw']) => raw.reduce((a, b) => (b.ms < a.ms ? b : a));
  const ofRaw = (r: Round, ms: number) => perSecond(total, ms) / perSecond(total, fastest(r.raw).ms);
  const rows: string[][] = [
    [
      'concurrency',
      `raw objects/s (${RAW_IN_FLIGHT.join('/')} in flight)`,
      'direct cold (of raw)',
      'cache cold (of raw)',
      'direct unchanged: req/object (objects/s)',
      'cache unchanged: req/object (objects/s)',
    ],
  ];
  for (const r of rounds) {
    const cold = (p: EnginePass) => `${perSecond(total, p.cold).toFixed(0)} (${ofRaw(r, p.cold).toFixed(2)})`;
    const unchanged = (p: EnginePass) => `${(p.unchangedRequests.total / total).toFixed(3)} (${perSecond(total, p.unchanged).toFixed(0)})`;
    rows.push([String(r.concurrency), r.raw.map((x) => perSecond(total, x.ms).toFixed(0)).join(' / '), cold(r.direct), cold(r.cache), unchanged(r.direct), unchanged(r.cache)]);
  }
  const widths = rows[0].map((_, i) => Math.max(...rows.map((r) => r[i].length)));
  console.log(
    `\n${rows
      .map((r) =>
        r
          .map((c, i) => c.padEnd(widths[i]))
          .join('  ')
          .trimEnd(),
      )
      .join('\n')}`,
  );
  const best = rounds.reduce((a, b) => (ofRaw(b, b.cache.cold) > ofRaw(a, a.cache.cold) ? b : a));
  console.log(
    `\nbest engine concurrency (cache, cold, as a fraction of its round's raw rate): ${best.concurrency} — ${ofRaw(best, best.cache.cold).toFixed(2)} of raw; goal ≥ ${GOAL}`,
  );
  console.log(
    `unchanged re-sync with the cache, requests by verb: ${rounds.map((r) => `${r.concurrency}: ${JSON.stringify(r.cache.unchangedRequests.byVerb)}`).join(', ')}; goal 0`,
  );
  console.log(`kubectl apply --server-side, one run per namespace: cold ${rate(total, kubectlCold)}, unchanged ${rate(total, kubectlUnchanged)}`);
}

main().catch((e) => {
  console.error(e);
  process.exitCode = 1;
});
