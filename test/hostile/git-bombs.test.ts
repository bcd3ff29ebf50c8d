// Issue 18, cases 4–5: commits whose trees no export should write — a git bomb (ten levels of
// ten references to one tree: 10^10 files from a 2 KiB pack) and paths thousands of directories
// deep. The objects are written by hand into the served repository (no work tree could hold
// them). Each is refused before anything is written, with a message that names the limit and no
// host path, while the event loop keeps answering; a deep tree left behind by an older version
// no longer breaks the repository after a restart.
import { execFile } from 'node:child_process';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GitMirror, TreeLimitError } from '../../src/git';
import { removeTree } from '../../src/git/remove-tree';
import { listProcesses } from '../git/processes';
import { GitHttpServer, type TestRepository } from '../support/git-server';
import { whileResponsive } from './helpers';
import { commitTree, deepTree, gitBomb, writeObject, writeTreeObject } from './inputs';

const run = promisify(execFile);

describe('hostile trees: refused before export', () => {
  let server: GitHttpServer;
  let repo: TestRepository;
  let baseDir: string;
  let mirror: GitMirror;
  const commits: Record<string, string> = {};

  beforeAll(async () => {
    server = await GitHttpServer.start();
    repo = await server.createRepository('hostile');
    // every commit on its own branch, all fetched at once
    commits.bomb = await gitBomb(repo.dir, 10, 10);
    commits.deep3000 = await deepTree(repo.dir, 3000);
    commits.deep1000 = await deepTree(repo.dir, 1000);
    commits.good = await repo.commit({ 'apps/ok/cm.yaml': 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: ok\n' }, { message: 'good' });
    baseDir = await mkdtemp(join(tmpdir(), 'flotilla-hostile-git-'));
    mirror = new GitMirror({ name: 'hostile', url: server.url('hostile'), baseDir, urlPolicy: { allowInsecure: true } });
    // the branch only points at the last one; the others are reachable from tags
    for (const [name, sha] of Object.entries(commits)) await run('git', ['update-ref', `refs/tags/${name}`, sha], { cwd: repo.dir });
    await mirror.fetch();
  }, 120_000);

  afterAll(async () => {
    await server?.stop();
    await removeTree(baseDir);
  });

  const exportsOnDisk = async () => readdir(join(baseDir, 'trees', 'hostile')).catch(() => [] as string[]);
  const gitProcessesHere = async () => (await listProcesses()).filter((p) => p.args[0]?.endsWith('git') && p.cwd?.startsWith(baseDir));

  it('4: refuses a git bomb after counting its first 100,000 files, writing nothing, in seconds, with the API answering', async () => {
    const started = performance.now();
    const { result, health } = await whileResponsive(() => mirror.export(commits.bomb, 'd0'));
    expect(result).toBeInstanceOf(TreeLimitError);
    expect((result as Error).message).toBe(`commit ${commits.bomb.slice(0, 12)} cannot be exported: it has more than 100000 files (git.exportMaxFiles)`);
    expect(performance.now() - started).toBeLessThan(30_000);
    expect(health.slowestMs).toBeLessThan(1_500);
    expect(await exportsOnDisk()).toEqual([]);
    expect(await gitProcessesHere()).toEqual([]);
    // the commit never changes: refused again at once, without running git
    const again = performance.now();
    await expect(mirror.export(commits.bomb, 'd1')).rejects.toThrow(TreeLimitError);
    expect(performance.now() - again).toBeLessThan(200);
  }, 60_000);

  it.each([
    ['5: a path 3,000 directories deep', 'deep3000'],
    ['5: a path 1,000 directories deep', 'deep1000'],
  ])(
    'refuses %s before writing it, naming the path quoted and no host path',
    async (_what, name) => {
      const { result, health } = await whileResponsive(() => mirror.export(commits[name], 'apps/ok'));
      expect(result).toBeInstanceOf(TreeLimitError);
      const message = (result as Error).message;
      expect(message).toMatch(
        new RegExp(`^commit ${commits[name].slice(0, 12)} cannot be exported: the path "(a/){40}"… is (at least )?\\d+ directories deep, more than 64 \\(git\\.exportMaxDepth\\)$`),
      );
      expect(message).not.toContain(baseDir);
      expect(message).not.toContain(tmpdir());
      expect(health.stallMs).toBeLessThan(1_500);
      expect(await exportsOnDisk()).toEqual([]);
    },
    60_000,
  );

  it('kills an export at its deadline and says so, without a host path', async () => {
    const quick = new GitMirror({ name: 'hostile', url: server.url('hostile'), baseDir, urlPolicy: { allowInsecure: true }, exportLimits: { timeoutMs: 1 } });
    const error = await quick.export(commits.good, 'apps/ok').then(
      () => undefined,
      (e: unknown) => e,
    );
    expect((error as Error).message).toBe(`exporting commit ${commits.good.slice(0, 12)} took longer than 0.001 s (git.exportTimeoutSeconds); the git process was stopped`);
    expect(await gitProcessesHere()).toEqual([]);
  });

  it('exports a good commit of the same repository', async () => {
    const tree = await mirror.export(commits.good, 'apps/ok');
    expect(await readdir(tree.path)).toEqual(['cm.yaml']);
    tree.release();
  });

  it('removes a deep tree left by an older version on restart, so fetches and exports work again', async () => {
    // what an export of the 3,000-level commit left before export limits existed
    const leftover = join(baseDir, 'trees', 'hostile', '.export-old');
    // made by relative steps (a full path that long cannot be handed to the kernel), in a child process
    const script =
      "const fs = require('fs'); fs.mkdirSync(process.argv[1], { recursive: true }); process.chdir(process.argv[1]); for (let i = 0; i < 3000; i++) { fs.mkdirSync('a'); process.chdir('a'); } fs.writeFileSync('x.yaml', 'x');";
    await run(process.execPath, ['-e', script, leftover]);
    await expect(rm(join(baseDir, 'trees'), { recursive: true, force: true })).rejects.toThrow(/ENAMETOOLONG/);

    const restarted = new GitMirror({ name: 'hostile', url: server.url('hostile'), baseDir, urlPolicy: { allowInsecure: true } });
    const { result, health } = await whileResponsive(() => restarted.fetch());
    if (result instanceof Error) throw result;
    expect(health.stallMs).toBeLessThan(1_500);
    expect(await readdir(join(baseDir, 'trees'))).toEqual(['hostile']);
    expect(await exportsOnDisk()).toEqual([]);
    const tree = await restarted.export(commits.good, 'apps/ok');
    expect(await readdir(tree.path)).toEqual(['cm.yaml']);
    tree.release();
  }, 120_000);
});

describe('export limits', () => {
  let server: GitHttpServer;
  let baseDir: string;
  beforeAll(async () => {
    server = await GitHttpServer.start();
    baseDir = await mkdtemp(join(tmpdir(), 'flotilla-hostile-limits-'));
  });
  afterAll(async () => {
    await server?.stop();
    await rm(baseDir, { recursive: true, force: true });
  });

  it('refuses a commit over the bytes per export, and a path longer than allowed, naming each limit', async () => {
    const repo = await server.createRepository('limits');
    const big = await writeObject(repo.dir, 'blob', Buffer.alloc(300_000, 'x'));
    const wide = await commitTree(
      repo.dir,
      await writeTreeObject(
        repo.dir,
        [0, 1, 2, 3].map((i) => ({ name: `f${i}.yaml`, sha: big, tree: false })),
      ),
      'big files',
    );
    const mirror = new GitMirror({ name: 'limits', url: server.url('limits'), baseDir, urlPolicy: { allowInsecure: true }, exportLimits: { maxBytes: 1_000_000 } });
    await mirror.fetch();
    await expect(mirror.export(wide, '.')).rejects.toThrow(`commit ${wide.slice(0, 12)} cannot be exported: its files add up to more than 1000000 bytes (git.exportMaxBytes)`);

    const name = `${'n'.repeat(200)}\nINFO forged`;
    const long = await commitTree(repo.dir, await writeTreeObject(repo.dir, [{ name, sha: big, tree: false }]), 'long name', 'long');
    const strict = new GitMirror({ name: 'limits', url: server.url('limits'), baseDir, urlPolicy: { allowInsecure: true }, exportLimits: { maxPathBytes: 100 } });
    await strict.fetch();
    const error = await strict.export(long, '.').then(
      () => undefined,
      (e: Error) => e,
    );
    expect(error!.message.split('\n')).toHaveLength(1);
    expect(error!.message).toBe(`commit ${long.slice(0, 12)} cannot be exported: the path ${JSON.stringify('n'.repeat(80))}… is longer than 100 bytes (git.exportMaxPathBytes)`);
  });
});
