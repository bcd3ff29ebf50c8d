// Benchmark of the sync engine against a test-bed cluster of its own:
// 200 objects (ConfigMaps and Deployments) into each of 10 namespaces, cold and then unchanged,
// and `kubectl apply --server-side` on the same files for comparison.
//   npm run bench:engine
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { PlainManifestRenderer, SyncEngine, type RenderedObject } from '../../src/engine';
import { KubeClient } from '../../src/kube';
import { TestBed } from '../testbed/cluster';

const NAMESPACES = 10;
const PER_NAMESPACE = 200;
const CONCURRENCY = Number(process.env.BENCH_CONCURRENCY ?? 16);

function manifests(): string {
  const docs: object[] = [];
  for (let i = 0; i < PER_NAMESPACE / 2; i++) {
    docs.push({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: `config-${i}` }, data: { index: String(i), payload: 'x'.repeat(256) } });
    docs.push({
      apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: `app-${i}` },
      spec: {
        replicas: 1, selector: { matchLabels: { app: `app-${i}` } },
        template: { metadata: { labels: { app: `app-${i}` } }, spec: { containers: [{ name: 'main', image: `registry.example/app:${i}`, envFrom: [{ configMapRef: { name: `config-${i}` } }] }] } },
      },
    });
  }
  return docs.map((d) => stringify(d)).join('---\n');
}

const rate = (objects: number, ms: number) => `${(objects / (ms / 1000)).toFixed(0)} objects/s (${(ms / 1000).toFixed(2)} s)`;

async function main(): Promise<void> {
  const bed = await TestBed.start({ names: ['bench'] });
  const dir = mkdtempSync(join(tmpdir(), 'flotilla-bench-'));
  try {
    const cluster = bed.get('bench');
    mkdirSync(join(dir, 'app'));
    writeFileSync(join(dir, 'app', 'objects.yaml'), manifests());
    const rendered: RenderedObject[] = await new PlainManifestRenderer().render(dir, 'app', { application: 'bench', cluster: cluster.name, namespace: 'x' });
    const client = KubeClient.fromCredentials({ server: cluster.server, caData: cluster.caData, token: cluster.adminToken }, { maxSockets: CONCURRENCY });
    const engine = new SyncEngine(client, { concurrency: CONCURRENCY });
    const total = NAMESPACES * rendered.length;
    console.log(`engine: ${NAMESPACES} namespaces × ${rendered.length} objects, concurrency ${CONCURRENCY}`);

    const runAll = async (prefix: string) => {
      const started = Date.now();
      const counts = { created: 0, configured: 0, unchanged: 0, failed: 0 };
      for (let n = 0; n < NAMESPACES; n++) {
        const result = await engine.sync({ target: { application: 'bench', cluster: cluster.name, namespace: `${prefix}-${n}` }, objects: rendered, prune: true });
        for (const c of result.changes) if (c.ref.kind !== 'Namespace' && c.action in counts) counts[c.action as keyof typeof counts]++;
        if (!result.ok) throw new Error(`sync failed: ${JSON.stringify(result.changes.find((c) => c.action === 'failed'))}`);
      }
      return { ms: Date.now() - started, counts };
    };
    const cold = await runAll('engine');
    console.log(`engine cold:      ${rate(total, cold.ms)}  ${JSON.stringify(cold.counts)}`);
    const warm = await runAll('engine');
    console.log(`engine unchanged: ${rate(total, warm.ms)}  ${JSON.stringify(warm.counts)}`);

    const kubectl = (ns: string) => execFileSync(cluster.kubectl, [
      '--kubeconfig', cluster.kubeconfigPath, 'apply', '--server-side', '--field-manager', 'bench-kubectl', '-n', ns, '-f', join(dir, 'app', 'objects.yaml'),
    ], { stdio: ['ignore', 'ignore', 'inherit'] });
    const kubectlRun = () => {
      const started = Date.now();
      for (let n = 0; n < NAMESPACES; n++) kubectl(`kubectl-${n}`);
      return Date.now() - started;
    };
    for (let n = 0; n < NAMESPACES; n++) await client.apply({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: `kubectl-${n}` } }, { fieldManager: 'bench' });
    console.log(`kubectl --server-side cold:      ${rate(total, kubectlRun())}`);
    console.log(`kubectl --server-side unchanged: ${rate(total, kubectlRun())}`);
    client.close();
  } finally {
    rmSync(dir, { recursive: true, force: true });
    await bed.stop();
  }
}

main().catch((e) => {
  console.error(e);
  process.exitCode = 1;
});
