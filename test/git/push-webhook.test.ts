// Push webhooks end to end below HTTP: a signed payload refreshes the matched mirror at once,
// a bad signature refreshes nothing, and a burst of pushes coalesces into at most two fetches.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { receivePush, RepositoryMirrors, signGitea, signGithub, UNVERIFIED_WEBHOOK } from '../../src/git';
import { GitHttpServer, TestRepository } from '../support/git-server';
import { waitFor } from './processes';

const SECRET = 'webhook-secret-1234';

describe('push webhooks', () => {
  let server: GitHttpServer;
  let repo: TestRepository;
  let baseDir: string;
  let mirrors: RepositoryMirrors;
  const context = () => ({ match: (urls: readonly string[]) => mirrors.match(urls), secretOf: (name: string) => (name === 'hooked' ? SECRET : undefined) });

  beforeAll(async () => {
    server = await GitHttpServer.start();
    repo = await server.createRepository('hooked');
    await server.createRepository('unsecured');
    baseDir = await mkdtemp(join(tmpdir(), 'flotilla-git-hook-'));
    mirrors = new RepositoryMirrors({ baseDir, urlPolicy: { allowInsecure: true } });
    mirrors.register({ name: 'hooked', url: server.url('hooked') });
    mirrors.register({ name: 'unsecured', url: server.url('unsecured') });
  });
  afterAll(async () => {
    await server.stop();
    await rm(baseDir, { recursive: true, force: true });
  });

  /** A GitHub push payload naming the repository in other spellings than the registered URL. */
  function payload(name: string, after: string): Buffer {
    return Buffer.from(
      JSON.stringify({
        ref: 'refs/heads/main',
        after,
        repository: { clone_url: `http://127.0.0.1:${server.port}/${name}`, ssh_url: `git@127.0.0.1:${name}.git` },
      }),
    );
  }

  async function deliver(body: Buffer, signature: string) {
    const outcome = await receivePush({ 'x-github-event': 'push', 'x-hub-signature-256': signature }, body, context());
    const refreshes = outcome.repositories.map((name) => mirrors.refresh(name));
    return { outcome, refreshes };
  }

  it('a signed GitHub push triggers a fetch of the matched repository within a second', async () => {
    const head = await repo.commit({ 'a.yaml': 'pushed' });
    const before = server.fetchCount('hooked');
    const body = payload('hooked', head);
    const started = Date.now();
    const { outcome, refreshes } = await deliver(body, signGithub(body, SECRET));
    expect(outcome).toMatchObject({ status: 202, forge: 'github', repositories: ['hooked'] });
    await waitFor(() => server.fetchCount('hooked') > before, 1_000, 'the fetch');
    expect(Date.now() - started).toBeLessThan(1_000);
    expect((await refreshes[0]).revision).toBe(head);
  });

  it('a bad or missing signature answers 401 and fetches nothing', async () => {
    const body = payload('hooked', 'b'.repeat(40));
    const before = server.requests.length;
    expect((await deliver(body, signGithub(body, 'not-the-secret'))).outcome).toMatchObject({
      status: 401,
      repositories: [],
      reason: UNVERIFIED_WEBHOOK,
      detail: 'signature does not match the repository webhook secret',
    });
    expect((await deliver(body, '')).outcome.status).toBe(401);
    expect((await deliver(Buffer.from(body.toString().replace('main', 'evil')), signGithub(body, SECRET))).outcome.status).toBe(401);
    // a repository without a webhook secret accepts no webhook at all
    const other = payload('unsecured', 'b'.repeat(40));
    expect((await deliver(other, signGithub(other, ''))).outcome.status).toBe(401);
    await new Promise((r) => setTimeout(r, 200));
    expect(server.requests.length).toBe(before);
  });

  it('tells the sender the same for an unknown repository URL as for a bad signature; only the detail differs', async () => {
    const known = payload('hooked', 'b'.repeat(40));
    const unknown = payload('never-registered', 'b'.repeat(40));
    const badSignature = (await deliver(known, signGithub(known, 'not-the-secret'))).outcome;
    const unknownUrl = (await deliver(unknown, signGithub(unknown, SECRET))).outcome;
    // everything but the audit-only detail is what the HTTP layer may answer with
    const { detail: badDetail, ...badAnswer } = badSignature;
    const { detail: unknownDetail, ...unknownAnswer } = unknownUrl;
    expect(unknownAnswer).toEqual(badAnswer);
    expect(badAnswer).toEqual({ status: 401, forge: 'github', reason: UNVERIFIED_WEBHOOK, repositories: [] });
    expect([badDetail, unknownDetail]).toEqual(['signature does not match the repository webhook secret', 'no registered repository has this URL']);
  });

  it('answers 400 to what is not a forge webhook, and 202 without a fetch to a verified ping', async () => {
    expect((await receivePush({}, Buffer.from('{}'), context())).status).toBe(400);
    expect((await receivePush({ 'x-github-event': 'push' }, Buffer.from('not json'), context())).status).toBe(400);
    const ping = Buffer.from(JSON.stringify({ zen: 'hi', repository: { clone_url: server.url('hooked') } }));
    expect(await receivePush({ 'x-github-event': 'ping', 'x-hub-signature-256': signGithub(ping, SECRET) }, ping, context())).toMatchObject({ status: 202, repositories: [] });
    const gitea = payload('hooked', 'c'.repeat(40));
    expect((await receivePush({ 'x-gitea-event': 'push', 'x-gitea-signature': signGitea(gitea, SECRET) }, gitea, context())).repositories).toEqual(['hooked']);
  });

  it('50 signed pushes in a burst cause at most 2 fetches', async () => {
    const head = await repo.commit({ 'a.yaml': 'burst' });
    await mirrors.refresh('hooked');
    const before = server.fetchCount('hooked');
    const body = payload('hooked', head);
    const deliveries = await Promise.all(Array.from({ length: 50 }, () => deliver(body, signGithub(body, SECRET))));
    expect(deliveries.every((d) => d.outcome.status === 202)).toBe(true);
    await Promise.all(deliveries.flatMap((d) => d.refreshes));
    const fetches = server.fetchCount('hooked') - before;
    expect(fetches).toBeGreaterThanOrEqual(1);
    expect(fetches).toBeLessThanOrEqual(2);
  });
});
