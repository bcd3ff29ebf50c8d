// Basic auth against a real git http-backend: what works, and where credentials never appear.
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FetchError, GitMirror, GitUrlError } from '../../src/git';
import { GitHttpServer, TestRepository } from '../support/git-server';
import { listProcesses, waitFor } from './processes';

const USER = 'alice-the-deployer';
const PASSWORD = 'pw-9f8e7d6c5b4a-secret';

describe('fetching over http with basic auth', () => {
  let server: GitHttpServer;
  let repo: TestRepository;
  let baseDir: string;
  let head: string;

  beforeAll(async () => {
    server = await GitHttpServer.start({ auth: { username: USER, password: PASSWORD } });
    repo = await server.createRepository('app');
    head = await repo.commit({ 'apps/x/a.yaml': 'a: 1\n' }, { message: 'first' });
    baseDir = await mkdtemp(join(tmpdir(), 'flotilla-git-auth-'));
  });
  afterAll(async () => {
    await server.stop();
    await rm(baseDir, { recursive: true, force: true });
  });

  const mirror = (password: string, name = 'app') =>
    new GitMirror({ name, url: server.url('app'), baseDir, auth: { type: 'basic', username: USER, password }, urlPolicy: { allowInsecure: true }, fetchTimeoutSeconds: 20 });

  it('fetches with the right credentials', async () => {
    const result = await mirror(PASSWORD).fetch();
    expect(result.refs['refs/heads/main']).toBe(head);
    expect(server.requests.some((r) => r.user === USER && r.status === 200)).toBe(true);
  });

  it('fails with wrong credentials, saying so without the password or user-info', async () => {
    const wrong = 'wrong-pw-0a1b2c3d';
    const error = await mirror(wrong, 'app-wrong')
      .fetch()
      .then(
        () => undefined,
        (e: unknown) => e,
      );
    expect(error).toBeInstanceOf(FetchError);
    const { reason, message } = error as FetchError;
    expect(reason).toBe('auth');
    expect(message).toMatch(/Authentication failed/);
    for (const secret of [wrong, PASSWORD, USER]) expect(message).not.toContain(secret);
  });

  it('refuses credentials inside the URL without echoing them', () => {
    const url = `http://${USER}:${PASSWORD}@127.0.0.1:${server.port}/app.git`;
    const create = () => new GitMirror({ name: 'inline', url, baseDir, urlPolicy: { allowInsecure: true } });
    expect(create).toThrow(GitUrlError);
    // the whole message, so neither the user nor the password is in it
    expect(create).toThrow(/^repository URL must not contain a password; put credentials in auth$/);
  });

  it('keeps credentials out of process arguments while git runs, and out of the mirror afterwards', async () => {
    const release = server.hold();
    const m = mirror(PASSWORD, 'app-ps');
    const fetching = m.fetch();
    let seen: string[][];
    try {
      await waitFor(() => server.heldCount > 0, 10_000, 'the fetch to reach the server');
      const processes = await listProcesses();
      seen = processes.filter((p) => p.cwd === m.dir).map((p) => p.args);
      for (const p of processes) expect(p.args.join(' ')).not.toContain(PASSWORD);
    } finally {
      release();
    }
    await fetching;
    // the check above looked at the real git processes of this fetch
    expect(seen.some((args) => args.includes('fetch'))).toBe(true);
    expect(seen.flat().some((arg) => arg.includes(server.url('app')))).toBe(true);

    const config = await readFile(join(m.dir, 'config'), 'utf8');
    expect(config).not.toContain(PASSWORD);
    expect(config).not.toContain(USER);
    expect(config).not.toContain(`127.0.0.1:${server.port}`);
    expect(await grep(baseDir, PASSWORD)).toEqual([]);
    expect(await readdir(join(baseDir, 'tmp'))).toEqual([]);
  });
});

/** Files below dir whose content contains needle. */
async function grep(dir: string, needle: string): Promise<string[]> {
  const hits: string[] = [];
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) hits.push(...(await grep(path, needle)));
    else if (entry.isFile() && (await readFile(path)).includes(needle)) hits.push(path);
  }
  return hits;
}
