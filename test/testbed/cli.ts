// `npm run testbed -- --clusters 2 [--out DIR]`: starts clusters for people and scripts, prints
// one JSON line per cluster, stays up until SIGINT/SIGTERM, then stops everything it started.
import { copyFileSync, mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { TestBed } from './cluster';

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: { clusters: { type: 'string', default: '2' }, out: { type: 'string' } },
    strict: true,
  });
  const count = Number(values.clusters);
  if (!Number.isInteger(count) || count < 1 || count > 20) throw new Error(`--clusters: expected an integer from 1 to 20, got ${values.clusters}`);
  const bed = await TestBed.start({ names: Array.from({ length: count }, (_, i) => `cluster-${i + 1}`) });
  const out = values.out ? resolve(values.out) : undefined;
  if (out) mkdirSync(out, { recursive: true });
  for (const c of bed.clusters) {
    let kubeconfig = c.kubeconfigPath;
    if (out) {
      kubeconfig = join(out, `${c.name}.kubeconfig`);
      copyFileSync(c.kubeconfigPath, kubeconfig);
    }
    process.stdout.write(JSON.stringify({ name: c.name, server: c.server, caData: c.caData, token: c.adminToken, kubeconfig, kubectl: c.kubectl }) + '\n');
  }
  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    process.stderr.write(`${signal}: stopping the test bed\n`);
    await bed.stop();
    process.exit(0);
  };
  process.on('SIGINT', () => void stop('SIGINT'));
  process.on('SIGTERM', () => void stop('SIGTERM'));
  setInterval(() => undefined, 1 << 30);
}

main().catch((e) => {
  process.stderr.write(`${e instanceof Error ? e.message : String(e)}\n`);
  process.exit(1);
});
