// Hostile repositories (issue 18): time, peak memory and the longest event-loop stall of each
// case, rendered or exported the way the service does it. Every case runs in a child process of
// its own (a fatal out-of-memory error there ends only that case); the parent samples the
// resident memory of the child's whole process group (git included) and kills it at the deadline.
//
// Run: node -r @swc-node/register test/bench/hostile.ts [case …]   (BENCH_TIMEOUT_SECONDS, default 90)
import { spawn } from 'node:child_process';
import { mkdtemp, mkdir, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PlainManifestRenderer, placeObject } from '../../src/engine';
import { GitMirror } from '../../src/git';
import { GitHttpServer } from '../support/git-server';
import { aliasBomb, bigScalar, billionLaughs, deepTree, emptyDocuments, gitBomb, manyDocuments, mergeKeyBomb, MiB, wideMapping } from '../hostile/inputs';

type Outcome = { outcome: string; ms: number; maxBlockMs: number; extra?: string };

const target = { application: 'bench', cluster: 'east', namespace: 'bench' };

const yamlCases: Record<string, () => string> = {
  '1 alias bomb (12 docs × 99 aliases × 4 MiB)': () => aliasBomb(12, 99, 4 * MiB),
  '1 alias bomb, one document (4 MiB × 99)': () => aliasBomb(1, 99, 4 * MiB),
  '1 billion laughs': () => billionLaughs(),
  '2 mapping of 40,000 keys': () => wideMapping(40_000),
  '2 mapping of 80,000 keys': () => wideMapping(80_000),
  '3 100,000 documents': () => manyDocuments(100_000),
  '3 50 MB scalar': () => bigScalar(50_000_000),
  '3 4,000,000 empty documents': () => emptyDocuments(4_000_000),
  '3 merge keys (1.1 MB)': () => mergeKeyBomb(),
};

const gitCases: Record<string, (bare: string) => Promise<string>> = {
  '4 git bomb (10 levels × 10)': (bare) => gitBomb(bare, 10, 10),
  '5 tree 3,000 levels deep': (bare) => deepTree(bare, 3000),
  '5 tree 1,000 levels deep': (bare) => deepTree(bare, 1000),
};

/** Runs one case in this process and prints its outcome as the last line of stdout. */
async function runCase(name: string): Promise<void> {
  const work = await mkdtemp(join(tmpdir(), 'flotilla-bench-hostile-'));
  try {
    const result = yamlCases[name] ? await yamlCase(work, yamlCases[name]) : await gitCase(work, gitCases[name]);
    process.stdout.write(`\n${JSON.stringify(result)}\n`);
  } finally {
    await rm(work, { recursive: true, force: true }).catch(() => undefined);
  }
}

async function measured(fn: () => Promise<string>): Promise<Outcome> {
  // the longest gap between ticks of a 5 ms timer: how long nothing else could run
  let last = performance.now();
  let maxBlockMs = 0;
  const ticker = setInterval(() => {
    const now = performance.now();
    maxBlockMs = Math.max(maxBlockMs, now - last - 5);
    last = now;
  }, 5);
  const started = performance.now();
  let outcome: string;
  try {
    outcome = await fn();
  } catch (e) {
    outcome = `refused: ${oneLine((e as Error).message)}`;
  }
  const ms = performance.now() - started;
  maxBlockMs = Math.max(maxBlockMs, performance.now() - last - 5);
  clearInterval(ticker);
  return { outcome, ms, maxBlockMs };
}

async function yamlCase(work: string, make: () => string): Promise<Outcome> {
  await mkdir(join(work, 'apps', 'x'), { recursive: true });
  await writeFile(join(work, 'apps', 'x', 'hostile.yaml'), make());
  await writeFile(join(work, 'apps', 'x', 'ok.yaml'), 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: ok\n');
  const size = (await stat(join(work, 'apps', 'x', 'hostile.yaml'))).size;
  const result = await measured(async () => {
    const objects = await new PlainManifestRenderer().render(work, 'apps/x', target);
    // what the engine does first with every rendered object: a placed copy, kept for the plan
    const placed = objects.map((o) => placeObject(o.object, true, target));
    return `rendered and placed ${placed.length} objects`;
  });
  return { ...result, extra: `${(size / MiB).toFixed(1)} MiB file` };
}

async function gitCase(work: string, build: (bare: string) => Promise<string>): Promise<Outcome> {
  const server = await GitHttpServer.start();
  try {
    const repo = await server.createRepository('hostile');
    const sha = await build(repo.dir);
    const baseDir = join(work, 'data');
    const mirror = new GitMirror({ name: 'hostile', url: server.url('hostile'), baseDir, urlPolicy: { allowInsecure: true } });
    await mirror.fetch();
    const result = await measured(async () => {
      const tree = await mirror.export(sha, 'apps/ok');
      tree.release();
      return 'exported';
    });
    const left = await duMiB(join(baseDir, 'trees'));
    // a restart: a new mirror object on the same directory fetches and exports again
    const restarted = new GitMirror({ name: 'hostile', url: server.url('hostile'), baseDir, urlPolicy: { allowInsecure: true } });
    const again = await restarted.fetch().then(
      () => 'fetch ok',
      (e: Error) => `fetch fails: ${oneLine(e.message).slice(0, 80)}`,
    );
    return { ...result, extra: `${left.toFixed(1)} MiB left in trees/; after a restart: ${again}` };
  } finally {
    await server.stop();
  }
}

async function duMiB(dir: string): Promise<number> {
  return new Promise((resolve) => {
    const du = spawn('du', ['-sk', dir], { stdio: ['ignore', 'pipe', 'ignore'] });
    let out = '';
    du.stdout.on('data', (d) => (out += d));
    du.on('close', () => resolve(Number(out.split(/\s/)[0] || 0) / 1024));
  });
}

function oneLine(s: string): string {
  const flat = s.replace(/\s+/g, ' ').trim();
  return flat.length > 160 ? `${flat.slice(0, 160)}…` : flat;
}

// ---- the parent: one child per case, memory sampled from /proc ----

async function groupRssMiB(pgid: number): Promise<number> {
  let pages = 0;
  for (const entry of await readdir('/proc').catch(() => [] as string[])) {
    if (!/^\d+$/.test(entry)) continue;
    const text = await readFile(`/proc/${entry}/stat`, 'utf8').catch(() => '');
    const fields = text.slice(text.lastIndexOf(')') + 2).split(' ');
    if (Number(fields[2]) === pgid) pages += Number(fields[21]);
  }
  return (pages * 4096) / MiB;
}

async function runChild(name: string, timeoutSeconds: number): Promise<Outcome & { peakMiB: number }> {
  const child = spawn(process.execPath, ['-r', '@swc-node/register', __filename, '--case', name], { detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d) => (stdout += d));
  child.stderr.on('data', (d) => (stderr = (stderr + d).slice(-4000)));
  let peak = 0;
  let timedOut = false;
  const sampler = setInterval(() => void groupRssMiB(child.pid!).then((m) => (peak = Math.max(peak, m))), 50);
  const deadline = setTimeout(() => {
    timedOut = true;
    process.kill(-child.pid!, 'SIGKILL');
  }, timeoutSeconds * 1000);
  const started = performance.now();
  const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
  clearInterval(sampler);
  clearTimeout(deadline);
  try {
    process.kill(-child.pid!, 'SIGKILL'); // anything the case left behind (git)
  } catch {
    /* gone */
  }
  const last = stdout.trim().split('\n').pop() ?? '';
  if (!timedOut && code === 0 && last.startsWith('{')) return { ...(JSON.parse(last) as Outcome), peakMiB: peak };
  const ms = performance.now() - started;
  const why = timedOut
    ? `not finished after ${timeoutSeconds} s (killed)`
    : /heap out of memory|Allocation failed/i.test(stderr)
      ? 'crashed: fatal out-of-memory error'
      : `crashed (exit ${code}): ${oneLine(stderr).slice(-160)}`;
  return { outcome: why, ms, maxBlockMs: NaN, peakMiB: peak };
}

async function main(): Promise<void> {
  const at = process.argv.indexOf('--case');
  if (at >= 0) return runCase(process.argv[at + 1]);
  const wanted = process.argv.slice(2);
  const names = [...Object.keys(yamlCases), ...Object.keys(gitCases)].filter((n) => wanted.length === 0 || wanted.some((w) => n.includes(w)));
  const timeout = Number(process.env.BENCH_TIMEOUT_SECONDS ?? 90);
  console.log('| case | outcome | time | peak RSS | longest event-loop stall | notes |');
  console.log('|---|---|---|---|---|---|');
  for (const name of names) {
    const r = await runChild(name, timeout);
    const stall = Number.isNaN(r.maxBlockMs) ? '—' : `${Math.round(r.maxBlockMs)} ms`;
    console.log(`| ${name} | ${r.outcome} | ${(r.ms / 1000).toFixed(2)} s | ${Math.round(r.peakMiB)} MiB | ${stall} | ${r.extra ?? ''} |`);
  }
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
