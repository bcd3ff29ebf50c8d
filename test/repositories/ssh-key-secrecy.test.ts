// The secrecy sweep for SSH private keys: a repository authenticated by key, refused, accepted,
// fetched against a real sshd, rotated to a key the server refuses, and back. Each key, and each
// line of its body, is looked for in the database file, its WAL, the logs, every response and
// the audit log, live and at rest. Each place is first shown to hold what is said in clear beside
// the keys, so an empty or wrong capture cannot pass.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtemp, rm } from 'node:fs/promises';
import { rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ApiClient, ApiResponse, apiClient } from '../support/api';
import { RunningApp, startApp } from '../support/app';
import { databaseAtRest, holding, leaks, liveSources } from '../support/secrecy-sweep';
import { TestRepository } from '../support/git-server';
import { generateSshKey, SshKeyPair, TestSshServer } from '../support/sshd';

const ADMIN = 'ssh-key-secrecy-admin-token-0123456789';

describe('repository SSH keys', () => {
  let sshd: TestSshServer;
  let root: string;
  let repo: TestRepository;
  let head: string;
  let running: RunningApp;
  let admin: ApiClient;
  let closed = false;

  beforeAll(async () => {
    root = await mkdtemp(join(tmpdir(), 'flotilla-ssh-secrecy-'));
    sshd = await TestSshServer.start();
    repo = await TestRepository.create(root, 'deploy');
    head = await repo.commit({ 'apps/x/a.yaml': 'kind: ConfigMap\n' });
    running = await startApp({ FLOTILLA_ADMIN_TOKEN: ADMIN, FLOTILLA_LOG_LEVEL: 'debug' }, { keepDataDir: true });
    admin = apiClient(running.baseUrl, ADMIN);
  });
  afterAll(async () => {
    if (running && !closed) await running.close();
    if (running) rmSync(running.dataDir, { recursive: true, force: true });
    await sshd?.stop();
    if (root) await rm(root, { recursive: true, force: true });
  });

  it('never appear in the database file, its WAL, the logs, the audit log or any response, refused or accepted', async () => {
    const responses: string[] = [];
    const call = async (p: Promise<ApiResponse>) => {
      const r = await p;
      if (r.body !== undefined) responses.push(JSON.stringify(r.body));
      return r;
    };
    const refusedByUrl = await generateSshKey('refused-by-url');
    const refusedByName = await generateSshKey('refused-by-name');
    const unknownToServer = await generateSshKey('unknown-to-server');
    const accepted = sshd.clientKey;
    const sshAuth = (key: SshKeyPair) => ({ type: 'sshKey', privateKey: key.privateKey, knownHosts: sshd.knownHostsLine });

    // refused after validation (the URL) and by validation (the name): both audited with their body
    const badUrl = await call(admin.post('/api/v1/repositories', { name: 'ssh-refused', url: 'file:///etc/ssh', auth: sshAuth(refusedByUrl) }));
    expect(badUrl.status).toBe(400);
    expect(badUrl.body.message).toMatch(/^url:/);
    const badName = await call(admin.post('/api/v1/repositories', { name: 'SSH_Refused', url: sshd.url(repo.dir), auth: sshAuth(refusedByName) }));
    expect(badName.status).toBe(400);

    // accepted, and the key really used: the mirror holds the branch head
    const made = await call(admin.post('/api/v1/repositories', { name: 'ssh-accepted', url: sshd.url(repo.dir), pollIntervalSeconds: 3600, auth: sshAuth(accepted) }));
    expect(made.status, JSON.stringify(made.body)).toBe(201);
    expect(made.body).toMatchObject({ name: 'ssh-accepted', auth: { type: 'sshKey' }, status: { revision: head } });
    // rotated to a key the server refuses (git's error lands in the row, the logs and the answer), then back
    const rotated = await call(admin.patch('/api/v1/repositories/ssh-accepted', { auth: sshAuth(unknownToServer) }));
    expect(rotated.status).toBe(200);
    expect(rotated.body.status.message).toMatch(/Permission denied|auth/i);
    expect((await call(admin.post('/api/v1/repositories/ssh-accepted/refresh'))).status).toBe(502);
    expect((await call(admin.patch('/api/v1/repositories/ssh-accepted', { auth: sshAuth(accepted) }))).status).toBe(200);
    expect((await call(admin.post('/api/v1/repositories/ssh-accepted/refresh'))).body).toMatchObject({ revision: head });
    await call(admin.get('/api/v1/repositories'));
    await call(admin.get('/api/v1/repositories/ssh-accepted'));

    const audit = await call(admin.get('/api/v1/audit?limit=500'));
    const bodiesOf = (action: string, subject: string) =>
      audit.body.items.filter((e: { action: string; subject: string }) => e.action === action && e.subject === subject).map((e: { details: { body: unknown } }) => e.details.body);
    // soft: when a key is not redacted here, the sweep below still says everywhere it went
    const redacted = { type: 'sshKey', privateKey: '[redacted]', knownHosts: sshd.knownHostsLine };
    expect.soft(bodiesOf('repositories.create', 'ssh-refused')).toEqual([{ name: 'ssh-refused', url: 'file:///etc/ssh', auth: redacted }]);
    expect.soft(bodiesOf('repositories.create', 'SSH_Refused')).toEqual([expect.objectContaining({ auth: redacted })]);
    expect.soft(bodiesOf('repositories.create', 'ssh-accepted')).toEqual([expect.objectContaining({ auth: redacted })]);
    expect.soft(bodiesOf('repositories.update', 'ssh-accepted')).toEqual([{ auth: redacted }, { auth: redacted }]);

    // every line of a key's body is a secret of its own: a key leaks in pieces (a line quoted in an
    // error), and in JSON its newlines are escaped, so the whole key would never be found there
    const bodyLines = (key: SshKeyPair) => key.privateKey.split('\n').filter((l) => l.length >= 32 && !l.startsWith('-----'));
    const secrets: [string, string][] = [];
    for (const [what, key] of Object.entries({
      'key refused by URL': refusedByUrl,
      'key refused by name': refusedByName,
      'key unknown to the server': unknownToServer,
      'accepted key': accepted,
    })) {
      expect(bodyLines(key).length, what).toBeGreaterThan(1);
      secrets.push([what, key.privateKey], ...bodyLines(key).map((l, i): [string, string] => [`${what}, line ${i + 1}`, l]));
    }

    const live = liveSources(running, responses, { 'the audit log': Buffer.from(JSON.stringify(audit.body)) });
    // the sweep reads real bytes: what is kept or said in clear beside the keys is found in each place
    for (const [where, bytes] of Object.entries(live)) expect(bytes.length, where).toBeGreaterThan(1000);
    const database = Buffer.concat([live['the database file'], live['its WAL']]);
    for (const marker of ['ssh-accepted', 'ssh-refused', 'SSH_Refused', sshd.knownHostsLine]) expect(database.includes(marker), `${marker} in the database`).toBe(true);
    expect(holding(live, 'ssh-accepted')).toEqual(expect.arrayContaining(['the logs', 'the responses', 'the audit log']));
    expect(holding(live, 'file:///etc/ssh')).toEqual(expect.arrayContaining(['the responses', 'the audit log']));
    expect(holding(live, sshd.knownHostsLine)).toEqual(expect.arrayContaining(['the responses', 'the audit log']));
    expect(leaks(secrets, live)).toEqual([]);

    // and once closed, with the WAL folded into the file
    await running.close();
    closed = true;
    const atRest = databaseAtRest(running);
    expect(holding(atRest, 'ssh-refused')).toContain('flotilla.sqlite');
    expect(leaks(secrets, atRest)).toEqual([]);
  });
});
