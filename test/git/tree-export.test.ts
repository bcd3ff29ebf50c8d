// Reading a repository path at a commit: private exports that a running fetch cannot disturb,
// and paths that leave the repository refused with PathEscapeError.
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GitMirror, PathEscapeError, PathNotFoundError } from '../../src/git';
import { GitHttpServer, TestRepository } from '../support/git-server';
import { waitFor } from './processes';

describe('reading a path at a commit', () => {
  let server: GitHttpServer;
  let repo: TestRepository;
  let mirror: GitMirror;
  let baseDir: string;
  let old: string;

  beforeAll(async () => {
    server = await GitHttpServer.start();
    repo = await server.createRepository('app');
    old = await repo.commit(
      {
        'apps/x/deployment.yaml': 'replicas: 1\n',
        'apps/x/old-only.yaml': 'old: true\n',
        'apps/x/base': { symlink: '../../base' },
        'base/kustomization.yaml': 'resources: []\n',
        'apps/current': { symlink: 'x' },
        'apps/etc': { symlink: '/etc' },
        'apps/up': { symlink: '../..' },
        'apps/chain': { symlink: 'up/etc' },
        'apps/evil/passwd': { symlink: '../../../../../../etc/passwd' },
      },
      { message: 'old' },
    );
    baseDir = await mkdtemp(join(tmpdir(), 'flotilla-git-export-'));
    mirror = new GitMirror({ name: 'app', url: server.url('app'), baseDir, urlPolicy: { allowInsecure: true } });
    await mirror.fetch();
  });
  afterAll(async () => {
    await server.stop();
    await rm(baseDir, { recursive: true, force: true });
  });

  it("returns an older commit's files while a fetch of a newer commit is in flight", async () => {
    const newer = await repo.commit({ 'apps/x/deployment.yaml': 'replicas: 3\n', 'apps/x/old-only.yaml': null, 'apps/x/new-only.yaml': 'new: true\n' }, { message: 'new' });
    const release = server.hold();
    const fetching = mirror.fetch();
    try {
      await waitFor(() => server.heldCount > 0, 10_000, 'the fetch to reach the server');
      const readers = await Promise.all(Array.from({ length: 5 }, () => mirror.export(old, 'apps/x')));
      for (const tree of readers) {
        expect((await readdir(tree.path)).sort()).toEqual(['base', 'deployment.yaml', 'old-only.yaml']);
        expect(await readFile(join(tree.path, 'deployment.yaml'), 'utf8')).toBe('replicas: 1\n');
        // an in-repository link out of the path (kustomize's ../base) still works
        expect(await readFile(join(tree.path, 'base', 'kustomization.yaml'), 'utf8')).toBe('resources: []\n');
        tree.release();
      }
    } finally {
      release();
    }
    expect((await fetching).refs['refs/heads/main']).toBe(newer);
    const now = await mirror.export('main', 'apps/x');
    expect((await readdir(now.path)).sort()).toEqual(['base', 'deployment.yaml', 'new-only.yaml']);
    expect(await readFile(join(now.path, 'deployment.yaml'), 'utf8')).toBe('replicas: 3\n');
    now.release();
    // the old export is untouched by the new one
    const again = await mirror.export(old, 'apps/x');
    expect(await readFile(join(again.path, 'deployment.yaml'), 'utf8')).toBe('replicas: 1\n');
    again.release();
  });

  it('follows a symlinked path that stays inside the repository', async () => {
    const tree = await mirror.export(old, 'apps/current');
    expect(tree.path).toBe(join(tree.root, 'apps', 'x'));
    expect(tree.isDirectory).toBe(true);
    tree.release();
  });

  it.each([
    ['../apps/x', /"\.\." is not allowed/],
    ['apps/x/../../..', /"\.\." is not allowed/],
    ['/etc', /absolute paths are not allowed/],
    ['apps/etc', /symlink apps\/etc points outside the repository/],
    ['apps/etc/passwd', /symlink apps\/etc points outside the repository/],
    ['apps/up', /symlink apps\/up points outside the repository/],
    ['apps/chain', /symlink apps\/chain points outside the repository/],
    ['apps/evil', /symlink apps\/evil\/passwd points outside the repository/],
    ['apps', /points outside the repository/],
  ])('refuses %s with a clear PathEscapeError', async (path, message) => {
    const error = await mirror.export(old, path).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(PathEscapeError);
    expect((error as Error).message).toMatch(message);
    expect((error as Error).message).toContain(`path "${path}" leaves the repository`);
  });

  it('removes links that leave the repository from the export itself', async () => {
    const tree = await mirror.export(old, 'apps/x');
    try {
      // etc, up and chain are gone; current (a link to x) stays inside and is kept
      expect((await readdir(join(tree.root, 'apps'))).sort()).toEqual(['current', 'evil', 'x']);
      expect(await readdir(join(tree.root, 'apps', 'evil'))).toEqual([]);
      await expect(readFile(join(tree.root, 'apps', 'evil', 'passwd'), 'utf8')).rejects.toThrow(/ENOENT/);
      expect(await readFile(join(tree.root, 'apps', 'current', 'deployment.yaml'), 'utf8')).toBe('replicas: 1\n');
    } finally {
      tree.release();
    }
  });

  it('removes released exports beyond the kept number, never one still leased', async () => {
    // a second commit of its own (outside apps/x, which other tests read at main)
    const other = await repo.commit({ 'other/keep-trees.yaml': 'n: 1\n' }, { message: 'another commit' });
    expect(other).not.toBe(old);
    const small = new GitMirror({ name: 'small', url: server.url('app'), baseDir, urlPolicy: { allowInsecure: true }, keepTrees: 1 });
    await small.fetch();
    const exportsOnDisk = async () => (await readdir(join(baseDir, 'trees', 'small'))).filter((d) => !d.startsWith('.'));
    const held = await small.export(old, 'apps/x');
    const head = await small.export(other, 'apps/x');
    expect(await exportsOnDisk()).toHaveLength(2);
    head.release();
    held.release();
    await waitFor(async () => (await exportsOnDisk()).length === 1, 5_000, 'eviction to one export');
    const leased = [await small.export(old, 'apps/x'), await small.export(other, 'apps/x')];
    await new Promise((r) => setTimeout(r, 100));
    expect(await exportsOnDisk()).toHaveLength(2);
    expect(await readFile(join(leased[0].path, 'deployment.yaml'), 'utf8')).toBe('replicas: 1\n');
    leased.forEach((t) => t.release());
    await waitFor(async () => (await exportsOnDisk()).length === 1, 5_000, 'eviction to one export');
  });

  it('says which path is missing at which commit', async () => {
    await expect(mirror.export(old, 'apps/nope')).rejects.toBeInstanceOf(PathNotFoundError);
    await expect(mirror.export(old, 'apps/nope')).rejects.toThrow(`path "apps/nope" does not exist at commit ${old.slice(0, 12)}`);
  });
});
