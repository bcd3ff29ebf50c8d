// Git layer benchmark: a repository of 1,000 files and 1,000 commits served by git http-backend;
// times the first fetch (clone), an incremental fetch, a no-op fetch, and reading a directory at
// a commit (first export of a commit, a cached one, and an older commit).
// Run: npx tsx test/bench/git.ts [files] [commits]
import { spawn } from 'node:child_process';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { GitMirror } from '../../src/git';
import { git, GitHttpServer } from '../support/git-server';

const FILES = Number(process.argv[2] ?? 1000);
const COMMITS = Number(process.argv[3] ?? 1000);
const APPS = 50;

function filePath(i: number): string {
  return `apps/app-${String(i % APPS).padStart(2, '0')}/resource-${String(i).padStart(4, '0')}.yaml`;
}

function manifest(i: number, generation: number): string {
  return `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: resource-${i}\ndata:\n  generation: "${generation}"\n  filler: "${'x'.repeat(200)}"\n`;
}

/** A fast-import stream: the first commit adds every file, each later one changes one file. */
function history(fromCommit: number, count: number, parent: string | undefined): string {
  const parts: string[] = [];
  const data = (s: string) => `data ${Buffer.byteLength(s)}\n${s}\n`;
  for (let c = fromCommit; c < fromCommit + count; c++) {
    const when = 1_700_000_000 + c * 60;
    parts.push(`commit refs/heads/main\nmark :${c + 1}\nauthor Bench <bench@example.test> ${when} +0000\ncommitter Bench <bench@example.test> ${when} +0000\n`);
    parts.push(data(`change ${c}`));
    if (c > fromCommit) parts.push(`from :${c}\n`);
    else if (parent) parts.push(`from ${parent}\n`);
    const changed = c === 0 ? Array.from({ length: FILES }, (_, i) => i) : [c % FILES];
    for (const i of changed) parts.push(`M 100644 inline ${filePath(i)}\n${data(manifest(i, c))}`);
  }
  return parts.join('');
}

async function fastImport(bareDir: string, stream: string): Promise<void> {
  const child = spawn('git', ['fast-import', '--quiet'], { cwd: bareDir, stdio: ['pipe', 'ignore', 'inherit'] });
  child.stdin.end(stream);
  const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
  if (code !== 0) throw new Error(`git fast-import exited with ${code}`);
}

async function timed<T>(label: string, fn: () => Promise<T>, rows: [string, number][]): Promise<T> {
  const started = process.hrtime.bigint();
  const result = await fn();
  rows.push([label, Number(process.hrtime.bigint() - started) / 1e6]);
  return result;
}

async function main(): Promise<void> {
  const server = await GitHttpServer.start();
  const baseDir = await mkdtemp(join(tmpdir(), 'flotilla-bench-git-'));
  const rows: [string, number][] = [];
  try {
    const repo = await server.createRepository('bench');
    await timed(`build repository (${FILES} files, ${COMMITS} commits, fast-import)`, () => fastImport(repo.dir, history(0, COMMITS, undefined)), rows);
    const size = (await git(repo.dir, ['count-objects', '-vH'])).split('\n').find((l) => l.startsWith('size-pack'));

    const mirror = new GitMirror({ name: 'bench', url: server.url('bench'), baseDir, urlPolicy: { allowInsecure: true } });
    await timed('first fetch (clone of the whole history)', () => mirror.fetch(), rows);
    await timed('no-op fetch (nothing new)', () => mirror.fetch(), rows);
    const before = await mirror.resolve('main');
    await fastImport(repo.dir, history(COMMITS, 1, before));
    await timed('incremental fetch (one new commit)', () => mirror.fetch(), rows);
    const head = await timed('resolve branch to SHA', () => mirror.resolve('main'), rows);
    await timed('commit subject and author', () => mirror.commitInfo(head), rows);

    const read = async (commit: string) => {
      const tree = await mirror.export(commit, 'apps/app-07');
      const files = await readdir(tree.path);
      await Promise.all(files.map((f) => readFile(join(tree.path, f))));
      tree.release();
      return files.length;
    };
    const files = await timed(`read apps/app-07 at HEAD, first time (exports ${FILES} files)`, () => read(head), rows);
    await timed('read apps/app-07 at HEAD again (cached export)', () => read(head), rows);
    const older = await git(mirror.dir, ['rev-parse', `${head}~${Math.floor(COMMITS / 2)}`]);
    await timed(`read apps/app-07 at HEAD~${Math.floor(COMMITS / 2)}, first time`, () => read(older), rows);
    await timed(
      '20 concurrent reads of apps/app-NN at HEAD (cached)',
      async () => {
        await Promise.all(
          Array.from({ length: 20 }, async (_, i) => {
            const tree = await mirror.export(head, `apps/app-${String(i).padStart(2, '0')}`);
            await readdir(tree.path);
            tree.release();
          }),
        );
      },
      rows,
    );

    console.log(`\nFlotilla git bench — ${FILES} files, ${COMMITS + 1} commits, ${size}, ${files} files in apps/app-07`);
    for (const [label, ms] of rows) console.log(`${ms.toFixed(1).padStart(9)} ms  ${label}`);
    console.log(`http fetches served: ${server.fetchCount('bench')}`);
  } finally {
    await server.stop();
    await rm(baseDir, { recursive: true, force: true });
  }
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
