// `npm run testbed -- --clusters 2 [--out DIR]`: starts clusters for people and scripts, prints
// one JSON line per cluster, stays up until SIGINT/SIGTERM/SIGHUP or until a process it was
// started under exits (npm, its shell, tsx: see lifeline.ts), then stops everything it started.
// Its API servers and etcd also die with this process if it is killed outright (cluster.ts).
import { copyFileSync, mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { TestBed } from './cluster';
import { ancestorsToSessionLeader, watchAncestors } from './lifeline';

async function main(): Promise<void> {
  // taken first: an ancestor that exits while the clusters start is noticed too
  const ancestors = ancestorsToSessionLeader();
  const { values } = parseArgs({
    options: { clusters: { type: 'string', default: '2' }, out: { type: 'string' } },
    strict: true,
  });
  const count = Number(values.clusters);
  if (!Number.isInteger(count) || count < 1 || count > 20) throw new Error(`--clusters: expected an integer from 1 to 20, got ${values.clusters}`);
  // a signal or a lost ancestor while the clusters start stops them as soon as they are up
  let stopRequested: string | undefined;
  const early = (why: string) => (stopRequested ??= why);
  const onSignal = (signal: NodeJS.Signals) => early(signal);
  for (const signal of SIGNALS) process.on(signal, onSignal);
  const unwatchEarly = watchAncestors((pid) => early(`process ${pid} it was started under exited`), ancestors);
  const bed = await TestBed.start({ names: Array.from({ length: count }, (_, i) => `cluster-${i + 1}`) });
  unwatchEarly();
  for (const signal of SIGNALS) process.removeListener(signal, onSignal);
  let stopping = false;
  const stop = async (why: string) => {
    if (stopping) return;
    stopping = true;
    process.stderr.write(`${why}: stopping the test bed\n`);
    await bed.stop();
    process.exit(0);
  };
  if (stopRequested) return stop(stopRequested);
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
  for (const signal of SIGNALS) process.on(signal, () => void stop(signal));
  // also keeps the process alive
  watchAncestors((pid) => void stop(`process ${pid} it was started under exited`), ancestors);
}

const SIGNALS: NodeJS.Signals[] = ['SIGINT', 'SIGTERM', 'SIGHUP'];

main().catch((e) => {
  process.stderr.write(`${e instanceof Error ? e.message : String(e)}\n`);
  process.exit(1);
});
