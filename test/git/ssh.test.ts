// SSH by key against a real sshd: host keys pinned by known_hosts or trusted on first use.
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FetchError, GitMirror } from '../../src/git';
import { GitHttpServer, TestRepository } from '../support/git-server';
import { generateSshKey, TestSshServer } from '../support/sshd';

describe('fetching over ssh', () => {
  let sshd: TestSshServer;
  let server: GitHttpServer;
  let repo: TestRepository;
  let head: string;
  let baseDir: string;

  beforeAll(async () => {
    [sshd, server] = await Promise.all([TestSshServer.start(), GitHttpServer.start()]);
    repo = await server.createRepository('app');
    head = await repo.commit({ 'apps/x/a.yaml': 'a: 1\n' });
    baseDir = await mkdtemp(join(tmpdir(), 'flotilla-git-ssh-'));
  });
  afterAll(async () => {
    await Promise.all([sshd?.stop(), server?.stop()]);
    await rm(baseDir, { recursive: true, force: true });
  });

  it('fetches by key with the host pinned in known_hosts, and removes the key file after', async () => {
    const mirror = new GitMirror({
      name: 'by-key',
      url: sshd.url(repo.dir),
      baseDir,
      auth: { type: 'sshKey', privateKey: sshd.clientKey.privateKey, knownHosts: sshd.knownHostsLine },
    });
    const logins = sshd.acceptedLogins;
    const { refs } = await mirror.fetch();
    expect(refs['refs/heads/main']).toBe(head);
    expect(sshd.acceptedLogins).toBe(logins + 1);
    expect(await readdir(join(baseDir, 'tmp'))).toEqual([]);
    expect(await readFile(join(mirror.dir, 'config'), 'utf8')).not.toContain('127.0.0.1');
  });

  it('refuses a host whose key is not the one in known_hosts', async () => {
    const impostor = await generateSshKey();
    const knownHosts = `[127.0.0.1]:${sshd.port} ${impostor.publicKey.split(' ').slice(0, 2).join(' ')}`;
    const mirror = new GitMirror({ name: 'pinned-wrong', url: sshd.url(repo.dir), baseDir, auth: { type: 'sshKey', privateKey: sshd.clientKey.privateKey, knownHosts } });
    const logins = sshd.acceptedLogins;
    const error = await mirror.fetch().then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(FetchError);
    expect((error as FetchError).reason).toBe('hostKey');
    expect(sshd.acceptedLogins).toBe(logins);
  });

  it('refuses a host missing from the given known_hosts', async () => {
    const knownHosts = `[127.0.0.1]:1 ${sshd.hostPublicKey}`;
    const mirror = new GitMirror({ name: 'pinned-other', url: sshd.url(repo.dir), baseDir, auth: { type: 'sshKey', privateKey: sshd.clientKey.privateKey, knownHosts } });
    const logins = sshd.acceptedLogins;
    const error = await mirror.fetch().then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(FetchError);
    expect((error as FetchError).reason).toBe('hostKey');
    expect(sshd.acceptedLogins).toBe(logins);
  });

  it('fails clearly with a key the server does not know, without showing the key', async () => {
    const stranger = await generateSshKey();
    const mirror = new GitMirror({ name: 'bad-key', url: sshd.url(repo.dir), baseDir, auth: { type: 'sshKey', privateKey: stranger.privateKey, knownHosts: sshd.knownHostsLine } });
    const logins = sshd.acceptedLogins;
    const error = await mirror.fetch().then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(FetchError);
    const { reason, message } = error as FetchError;
    expect(reason).toBe('auth');
    expect(message).toMatch(/Permission denied/);
    expect(message).not.toContain('PRIVATE KEY');
    const keyLines = stranger.privateKey.split('\n').filter((l) => l.length >= 32 && !l.startsWith('-----'));
    expect(keyLines.length).toBeGreaterThan(0);
    for (const line of keyLines) expect(message.includes(line), 'a line of the private key in the message').toBe(false);
    expect(sshd.acceptedLogins).toBe(logins);
    expect(await readdir(join(baseDir, 'tmp'))).toEqual([]);
  });

  it('without known_hosts, trusts the first host key and keeps it per repository', async () => {
    const mirror = new GitMirror({ name: 'first-use', url: sshd.url(repo.dir), baseDir, auth: { type: 'sshKey', privateKey: sshd.clientKey.privateKey } });
    expect((await mirror.fetch()).refs['refs/heads/main']).toBe(head);
    const remembered = await readFile(join(baseDir, 'known_hosts', 'first-use'), 'utf8');
    expect(remembered).toContain(sshd.hostPublicKey.split(' ')[1]);
    // the remembered key is used again: a second fetch still works
    expect((await mirror.fetch()).refs['refs/heads/main']).toBe(head);
    // a different key for the same host is now refused
    const impostor = await generateSshKey();
    await writeFile(join(baseDir, 'known_hosts', 'first-use'), `[127.0.0.1]:${sshd.port} ${impostor.publicKey.split(' ').slice(0, 2).join(' ')}\n`);
    const logins = sshd.acceptedLogins;
    await expect(mirror.fetch()).rejects.toMatchObject({ reason: 'hostKey' });
    expect(sshd.acceptedLogins).toBe(logins);
  });
});
