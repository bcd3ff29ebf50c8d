// Refreshing mirrors: new commits and move events, coalescing of bursts, readers that cost no
// fetch, revisions, and a hung remote that is cut off without holding up other repositories.
import { execFileSync } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { type FetchOutcome, FetchError, RepositoryMirrors, RevisionNotFoundError } from '../../src/git';
import { GitDaemon, GitHttpServer, TestRepository } from '../support/git-server';
import { listProcesses, waitFor } from './processes';

describe('refreshing repository mirrors', () => {
  let server: GitHttpServer;
  let baseDir: string;
  let mirrors: RepositoryMirrors;
  // every fetch's outcome, as the git layer reports it to its one sink
  const outcomes: Array<{ repository: string; outcome: FetchOutcome }> = [];
  const movesOf = (repository: string) =>
    outcomes
      .filter((o) => o.repository === repository && o.outcome.ok && o.outcome.result.moved)
      .map((o) => (o.outcome.ok ? { from: o.outcome.result.previousRevision, to: o.outcome.result.revision } : undefined));

  beforeAll(async () => {
    server = await GitHttpServer.start();
    baseDir = await mkdtemp(join(tmpdir(), 'flotilla-git-refresh-'));
    mirrors = new RepositoryMirrors({
      baseDir,
      urlPolicy: { allowInsecure: true },
      fetchTimeoutSeconds: 20,
      onFetched: (repository, outcome) => void outcomes.push({ repository, outcome }),
    });
  });
  afterAll(async () => {
    await server.stop();
    await rm(baseDir, { recursive: true, force: true });
  });

  async function repository(name: string): Promise<TestRepository> {
    const repo = await server.createRepository(name);
    mirrors.register({ name, url: server.url(name), branch: 'main' });
    return repo;
  }

  it('sees a new commit on the next refresh and reports each fetch once, with the move', async () => {
    const repo = await repository('moving');
    const first = await repo.commit({ 'apps/x/a.yaml': 'v: 1\n' }, { message: 'one' });
    expect(await mirrors.refresh('moving')).toMatchObject({ branch: 'main', revision: first, previousRevision: undefined, moved: true, message: '' });
    expect(movesOf('moving')).toEqual([{ from: undefined, to: first }]);

    const unchanged = await mirrors.refresh('moving');
    expect(unchanged.moved).toBe(false);
    expect(outcomes.filter((o) => o.repository === 'moving')).toHaveLength(2);
    expect(movesOf('moving')).toHaveLength(1);

    const second = await repo.commit({ 'apps/x/a.yaml': 'v: 2\n' }, { message: 'two', author: { name: 'Bo Builder', email: 'bo@example.test' } });
    const result = await mirrors.refresh('moving');
    expect(result).toMatchObject({ revision: second, previousRevision: first, moved: true, message: '' });
    expect(movesOf('moving').at(-1)).toEqual({ from: first, to: second });
    expect(await mirrors.mirror('moving').commitInfo('main')).toMatchObject({
      sha: second,
      shortSha: second.slice(0, 7),
      subject: 'two',
      authorName: 'Bo Builder',
      authorEmail: 'bo@example.test',
    });
  });

  it('turns a burst of 50 triggers into at most 2 real fetches', async () => {
    const repo = await repository('bursty');
    const head = await repo.commit({ 'a.yaml': 'a: 1\n' });
    const before = server.fetchCount('bursty');
    const results = await Promise.all(Array.from({ length: 50 }, () => mirrors.refresh('bursty')));
    const fetches = server.fetchCount('bursty') - before;
    expect(fetches).toBeGreaterThanOrEqual(1);
    expect(fetches).toBeLessThanOrEqual(2);
    expect(results.every((r) => r.revision === head)).toBe(true);
    // one report per real fetch, however many callers shared it
    expect(outcomes.filter((o) => o.repository === 'bursty')).toHaveLength(fetches);
  });

  it('serves 20 readers of one repository with one fetch per refresh', async () => {
    const repo = await repository('shared');
    await repo.commit({ 'apps/x/a.yaml': 'a: 1\n', 'apps/y/b.yaml': 'b: 1\n' });
    const before = server.fetchCount('shared');
    await mirrors.refresh('shared');
    const mirror = mirrors.mirror('shared');
    const trees = await Promise.all(
      Array.from({ length: 20 }, async (_, i) => {
        const commit = await mirror.resolve('main');
        return mirror.export(commit, i % 2 ? 'apps/x' : 'apps/y');
      }),
    );
    expect(new Set(trees.map((t) => t.root)).size).toBe(1);
    trees.forEach((t) => t.release());
    expect(server.fetchCount('shared') - before).toBe(1);
  });

  it('resolves branches, tags and SHAs, and names what it cannot find', async () => {
    const repo = await repository('revisions');
    const first = await repo.commit({ 'a.yaml': '1' });
    const second = await repo.commit({ 'a.yaml': '2' }, { branch: 'release' });
    await repo.tag('v1.0.0', first, 'annotated');
    await repo.tag('light', second);
    await mirrors.refresh('revisions');
    const mirror = mirrors.mirror('revisions');
    expect(await mirror.resolve('main')).toBe(first);
    expect(await mirror.resolve('release')).toBe(second);
    expect(await mirror.resolve('v1.0.0')).toBe(first);
    expect(await mirror.resolve('light')).toBe(second);
    expect(await mirror.resolve(second)).toBe(second);
    expect(await mirror.resolve(second.slice(0, 10))).toBe(second);
    await expect(mirror.resolve('nope')).rejects.toBeInstanceOf(RevisionNotFoundError);
    await expect(mirror.resolve('--output=/tmp/x')).rejects.toBeInstanceOf(RevisionNotFoundError);
    await expect(mirror.resolve('main..release')).rejects.toBeInstanceOf(RevisionNotFoundError);
  });

  it('answers resolve from memory between fetches, and sees moved and deleted refs after the next one', async () => {
    const repo = await repository('resolving');
    const first = await repo.commit({ 'a.yaml': '1' });
    await repo.tag('moving', first);
    await mirrors.refresh('resolving');
    const mirror = mirrors.mirror('resolving');
    // every target's check asks for its revision: git runs once per revision, not once per ask
    const git = vi.spyOn(mirror as unknown as { git: () => unknown }, 'git');
    for (let i = 0; i < 50; i++) expect(await mirror.resolve('main')).toBe(first);
    expect(await mirror.resolve('moving')).toBe(first);
    // main: refs/heads/main; moving: refs/heads/moving (none), then refs/tags/moving
    expect(git).toHaveBeenCalledTimes(3);

    const second = await repo.commit({ 'a.yaml': '2' });
    execFileSync('git', ['tag', '-f', 'moving', second], { cwd: repo.dir });
    expect(await mirror.resolve('main')).toBe(first); // no fetch yet: the mirror's view
    await mirrors.refresh('resolving');
    expect(await mirror.resolve('main')).toBe(second);
    expect(await mirror.resolve('moving')).toBe(second);

    execFileSync('git', ['tag', '-d', 'moving'], { cwd: repo.dir, stdio: 'ignore' });
    await mirrors.refresh('resolving');
    await expect(mirror.resolve('moving')).rejects.toBeInstanceOf(RevisionNotFoundError);
    git.mockRestore();
  });

  it('cuts off a hung remote after the timeout, kills git, and keeps other repositories moving', async () => {
    await repository('hung');
    const healthy = await repository('healthy');
    const head = await healthy.commit({ 'a.yaml': 'ok' });
    server.hang('hung');
    const reported: FetchOutcome[] = [];
    const hungMirrors = new RepositoryMirrors({ baseDir, urlPolicy: { allowInsecure: true }, fetchTimeoutSeconds: 2, onFetched: (_, o) => void reported.push(o) });
    hungMirrors.register({ name: 'hung', url: server.url('hung') });
    const started = Date.now();
    const hung = hungMirrors.refresh('hung').then(
      () => undefined,
      (e: unknown) => e,
    );
    await waitFor(() => server.requests.some((r) => r.path.startsWith('/hung.git/')), 10_000, 'the hung request');
    // another repository fetches while the hung one waits
    expect((await mirrors.refresh('healthy')).revision).toBe(head);
    const error = (await hung) as FetchError;
    expect(error).toBeInstanceOf(FetchError);
    expect(error.reason).toBe('timeout');
    expect(Date.now() - started).toBeLessThan(10_000);
    expect(reported).toEqual([{ ok: false, message: error.message, at: expect.any(Date) }]);
    expect(error.message).toMatch(/timed out after 2s/);
    const dir = hungMirrors.mirror('hung').dir;
    // git itself and its http helper (which curl's low-speed limit stops) are both gone
    await waitFor(async () => !(await listProcesses()).some((p) => p.cwd === dir), 5_000, 'git processes in the mirror to exit');
  });

  it('fetches over git:// from git daemon when insecure transports are allowed', async () => {
    const repo = await repository('daemon');
    const head = await repo.commit({ 'a.yaml': 'over git://' });
    const daemon = await GitDaemon.start(server.root);
    try {
      mirrors.register({ name: 'daemon', url: daemon.url('daemon') });
      expect((await mirrors.refresh('daemon')).revision).toBe(head);
    } finally {
      await daemon.stop();
    }
  });
});
