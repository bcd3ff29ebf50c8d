import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { signGithub, signGitea, UNVERIFIED_WEBHOOK } from '../../src/git';
import { RepositoryEvents, type RevisionMoved } from '../../src/repositories/repository-events';
import { RepositoryFetches } from '../../src/repositories/repository-fetches';
import { RepositoryUsage } from '../../src/repositories/repository-usage';
import { ApiClient, apiClient, type ApiResponse } from '../support/api';
import { RunningApp, startApp } from '../support/app';
import { eventually } from '../support/eventually';
import { GitHttpServer, TestRepository } from '../support/git-server';

const ADMIN = 'repositories-test-admin-token-0123';
const USER = 'deployer';
const PASSWORD = 'flotilla-canary-git-password-9876';
const HOOK_SECRET = 'flotilla-canary-webhook-secret-5432';

function githubPush(url: string, after: string, secret = HOOK_SECRET) {
  const body = JSON.stringify({ ref: 'refs/heads/main', after, repository: { clone_url: url, html_url: url.replace(/\.git$/, '') } });
  return { body, headers: { 'content-type': 'application/json', 'x-github-event': 'push', 'x-github-delivery': 'd1', 'x-hub-signature-256': signGithub(body, secret) } };
}

function gitlabPush(url: string, after: string, token = HOOK_SECRET) {
  const body = JSON.stringify({ object_kind: 'push', ref: 'refs/heads/main', after, project: { git_http_url: url, web_url: url.replace(/\.git$/, '') } });
  return { body, headers: { 'content-type': 'application/json', 'x-gitlab-event': 'Push Hook', 'x-gitlab-token': token } };
}

function giteaPush(url: string, after: string, signWith = HOOK_SECRET) {
  const body = JSON.stringify({ ref: 'refs/heads/main', after, repository: { clone_url: url, html_url: url.replace(/\.git$/, '') } });
  return { body, headers: { 'content-type': 'application/json', 'x-gitea-event': 'push', 'x-gitea-signature': signGitea(body, signWith) } };
}

describe('the repository service', () => {
  let server: GitHttpServer;
  let deploy: TestRepository;
  let running: RunningApp;
  let admin: ApiClient;
  const moved: RevisionMoved[] = [];
  const responses: string[] = [];
  const keep = <T extends { body: unknown }>(r: T) => (responses.push(JSON.stringify(r.body)), r);
  // the answer to registering `deploy`, which every test below fetches, pushes or polls
  let created: ApiResponse;

  beforeAll(async () => {
    server = await GitHttpServer.start({ auth: { username: USER, password: PASSWORD } });
    deploy = await server.createRepository('deploy');
    await deploy.commit({ 'apps/x/a.yaml': 'kind: ConfigMap\n' }, { message: 'first' });
    running = await startApp({
      FLOTILLA_ADMIN_TOKEN: ADMIN,
      FLOTILLA_LOG_LEVEL: 'debug',
      FLOTILLA_GIT__ALLOW_INSECURE_HTTP: 'true',
      FLOTILLA_GIT__MIN_POLL_INTERVAL_SECONDS: '1',
    });
    running.app.get(RepositoryEvents).onMoved((e) => moved.push(e));
    admin = apiClient(running.baseUrl, ADMIN);
    created = keep(
      await admin.post('/api/v1/repositories', {
        name: 'deploy',
        url: server.url('deploy'),
        pollIntervalSeconds: 3600,
        auth: { type: 'basic', username: USER, password: PASSWORD },
        webhookSecret: HOOK_SECRET,
      }),
    );
  });
  afterAll(async () => {
    await running?.close();
    await server?.stop();
  });

  it('mirrors a repository behind basic auth and reports the branch head, never the password', async () => {
    const res = created;
    expect(res.status, JSON.stringify(res.body)).toBe(201);
    expect(res.body).toMatchObject({
      name: 'deploy',
      branch: 'main',
      auth: { type: 'basic', username: USER, hasPassword: true },
      hasWebhookSecret: true,
      status: { revision: await deploy.head(), message: '' },
    });
    expect(existsSync(join(running.dataDir, 'git'))).toBe(true);
    const refreshed = keep(await admin.post('/api/v1/repositories/deploy/refresh'));
    expect(refreshed.status).toBe(200);
    expect(refreshed.body).toMatchObject({ revision: await deploy.head(), moved: false, refs: { 'refs/heads/main': await deploy.head() } });
  });

  it('keeps a repository with wrong credentials, with an error that holds neither password nor user-info', async () => {
    const res = keep(
      await admin.post('/api/v1/repositories', {
        name: 'wrong-creds',
        url: server.url('deploy'),
        pollIntervalSeconds: 3600,
        auth: { type: 'basic', username: USER, password: 'flotilla-canary-wrong-pass-1111' },
      }),
    );
    expect(res.status).toBe(201);
    expect(res.body.status.revision).toBeNull();
    expect(res.body.status.message).toMatch(/auth/i);
    const refresh = keep(await admin.post('/api/v1/repositories/wrong-creds/refresh'));
    expect(refresh.status).toBe(502);
    for (const text of [res.body.status.message, refresh.body.message]) {
      expect(text).not.toContain('flotilla-canary-wrong-pass-1111');
      expect(text).not.toContain(`${USER}:`);
    }
  });

  it('sees a new commit at the next poll and publishes that the repository moved', async () => {
    const patched = await admin.patch('/api/v1/repositories/deploy', { pollIntervalSeconds: 1 });
    expect(patched.status).toBe(200);
    const before = await deploy.head();
    const sha = await deploy.commit({ 'apps/x/b.yaml': 'kind: Secret\n' }, { message: 'second' });
    const seen = await eventually(
      'deploy revision',
      () => admin.get('/api/v1/repositories/deploy'),
      (r) => r.body.status.revision === sha,
    );
    expect(Date.parse(seen.body.status.lastFetchedAt)).toBeGreaterThan(Date.now() - 10_000);
    expect(moved).toContainEqual({ repository: 'deploy', branch: 'main', from: before, to: sha, cause: 'poll' });
    await admin.patch('/api/v1/repositories/deploy', { pollIntervalSeconds: 3600 });
  });

  it('fetches within a second of a signed GitHub push and answers 202 at once', async () => {
    const sha = await deploy.commit({ 'apps/x/c.yaml': 'kind: Service\n' }, { message: 'third' });
    const before = server.fetchCount('deploy');
    const push = githubPush(server.url('deploy'), sha);
    const res = await apiClient(running.baseUrl).call('POST', '/api/v1/webhooks/git', push.body, push.headers);
    expect(res.status).toBe(202);
    expect(res.body).toMatchObject({ accepted: true, repositories: ['deploy'] });
    // the fetch reaches the git server within a second; its result lands right after
    await eventually(
      'fetch after push',
      async () => server.fetchCount('deploy'),
      (n) => n > before,
      1_000,
      20,
    );
    await eventually(
      'revision after push',
      () => admin.get('/api/v1/repositories/deploy'),
      (r) => r.body.status.revision === sha,
      10_000,
    );
    expect(server.fetchCount('deploy')).toBe(before + 1);
  });

  it('answers 401 and fetches nothing for a bad or missing signature', async () => {
    const before = server.fetchCount('deploy');
    const push = githubPush(server.url('deploy'), 'f'.repeat(40), 'not-the-secret-not-the-secret');
    expect((await apiClient(running.baseUrl).call('POST', '/api/v1/webhooks/git', push.body, push.headers)).status).toBe(401);
    const unsigned = { ...push.headers, 'x-hub-signature-256': '' };
    expect((await apiClient(running.baseUrl).call('POST', '/api/v1/webhooks/git', push.body, unsigned)).status).toBe(401);
    const gitea = JSON.stringify({ ref: 'refs/heads/main', after: 'a'.repeat(40), repository: { clone_url: server.url('deploy') } });
    const giteaRes = await apiClient(running.baseUrl).call('POST', '/api/v1/webhooks/git', gitea, {
      'x-gitea-event': 'push',
      'x-gitea-signature': signGitea(gitea, 'wrong-secret-wrong-secret'),
    });
    expect(giteaRes.status).toBe(401);
    await new Promise((r) => setTimeout(r, 300));
    expect(server.fetchCount('deploy')).toBe(before);
    const audit = await admin.get('/api/v1/audit?action=webhooks.git&limit=3');
    expect(audit.body.items.every((e: { outcome: string }) => e.outcome === 'rejected')).toBe(true);
    expect(giteaRes.body.message).toBe(UNVERIFIED_WEBHOOK);
    // the answer reads alike for every rejection; the audit log (read with a token) says which it was
    expect(audit.body.items[0].details.reason).toBe('signature does not match the repository webhook secret');
  });

  // a forged push first, then the signed one: only the signed one may cost a fetch
  const forgedThenSigned = (forge: 'gitlab' | 'gitea') => async () => {
    // quiescent first: nothing an earlier test started is still fetching
    await running.app.get(RepositoryFetches).refresh('deploy');
    const sha = await deploy.commit({ [`apps/x/${forge}.yaml`]: 'kind: ConfigMap\n' }, { message: `pushed via ${forge}` });
    const before = server.fetchCount('deploy');
    const anonymous = apiClient(running.baseUrl);
    let forged: { body: string; headers: Record<string, string> };
    if (forge === 'gitlab') forged = gitlabPush(server.url('deploy'), sha, 'not-the-secret-not-the-secret');
    else {
      // signed with the right secret, then altered: the signature covers the exact body
      const signed = giteaPush(server.url('deploy'), 'b'.repeat(40));
      forged = { body: signed.body.replace('b'.repeat(40), sha), headers: signed.headers };
    }
    expect((await anonymous.call('POST', '/api/v1/webhooks/git', forged.body, forged.headers)).status).toBe(401);

    const push = forge === 'gitlab' ? gitlabPush(server.url('deploy'), sha) : giteaPush(server.url('deploy'), sha);
    const res = await anonymous.call('POST', '/api/v1/webhooks/git', push.body, push.headers);
    expect(res.status).toBe(202);
    expect(res.body).toMatchObject({ accepted: true, repositories: ['deploy'] });
    await eventually(
      `revision after ${forge} push`,
      () => admin.get('/api/v1/repositories/deploy'),
      (r) => r.body.status.revision === sha,
      10_000,
    );
    // one fetch: the signed push's; the forged one fetched nothing
    expect(server.fetchCount('deploy')).toBe(before + 1);
    const audit = await admin.get('/api/v1/audit?action=webhooks.git&limit=2');
    expect(audit.body.items.map((e: { actor: string; outcome: string; subject: string | null }) => [e.actor, e.outcome, e.subject])).toEqual([
      [`webhook:${forge}`, 'accepted', 'deploy'],
      [`webhook:${forge}`, 'rejected', null],
    ]);
  };

  it('fetches after a GitLab push carrying the secret in X-Gitlab-Token, and refuses one with another token', forgedThenSigned('gitlab'));

  it('fetches after a Gitea push signed in X-Gitea-Signature, and refuses one whose body was altered after signing', forgedThenSigned('gitea'));

  it('coalesces a burst of 50 pushes into at most 2 fetches: the one in flight and one after it', async () => {
    const fetches = running.app.get(RepositoryFetches);
    // quiescent first: a poll or an earlier push's refresh still in flight would be counted too
    await fetches.refresh('deploy');
    const sha = await deploy.commit({ 'apps/x/d.yaml': 'kind: Job\n' }, { message: 'fourth' });
    const before = server.fetchCount('deploy');
    const push = githubPush(server.url('deploy'), sha);
    // Each push triggers its refresh only once it is verified and audited, so 50 of them reach the
    // coalescer over about as long as one fetch takes. Left alone, a loaded machine lets the first
    // fetch end mid-burst and the later pushes rightly start a third (a push is served by a fetch
    // that started after it). Held at the git server, the first fetch outlasts the whole burst.
    const release = server.hold();
    let answers: ApiResponse[];
    let settled: Promise<unknown>;
    try {
      answers = await Promise.all(Array.from({ length: 50 }, () => apiClient(running.baseUrl).call('POST', '/api/v1/webhooks/git', push.body, push.headers)));
      await eventually(
        'the first fetch at the git server',
        async () => server.heldCount,
        (n) => n === 1,
        5_000,
        20,
      );
      // joins the fetch queued behind the held one (adds none) and settles when it has run
      settled = fetches.refresh('deploy');
    } finally {
      release();
    }
    expect(answers.every((a) => a.status === 202)).toBe(true);
    expect(await settled).toMatchObject({ revision: sha });
    expect((await admin.get('/api/v1/repositories/deploy')).body.status.revision).toBe(sha);
    expect(server.fetchCount('deploy') - before).toBe(2);
  });

  it('refuses dangerous or malformed URLs and bad fields with a clear 400', async () => {
    const cases: [Record<string, unknown>, string][] = [
      [{ name: 'ext', url: 'ext::sh -c touch% /tmp/pwned' }, 'transport helpers'],
      [{ name: 'dash', url: '-uhttps://x/y.git' }, 'url:'],
      [{ name: 'file', url: 'file:///etc' }, 'url:'],
      [{ name: 'userinfo', url: 'https://user:pw@example.com/r.git' }, 'url:'],
      [{ name: 'poll', url: server.url('deploy'), pollIntervalSeconds: 0 }, 'pollIntervalSeconds must not be less than 1'],
      [{ name: 'branch', url: server.url('deploy'), branch: '--upload-pack=x' }, 'branch must be a valid git branch name'],
      [{ name: 'auth', url: server.url('deploy'), auth: { type: 'sshKey', privateKey: 'nope' } }, 'privateKey must be a PEM or OpenSSH private key'],
      [{ name: 'deploy', url: server.url('deploy') }, 'repository "deploy" already exists'],
    ];
    for (const [body, message] of cases) {
      const res = await admin.post('/api/v1/repositories', body);
      expect(res.status === 400 || res.status === 409, `${JSON.stringify(body)} → ${res.status}`).toBe(true);
      expect([res.body.message].flat().join('; ')).toContain(message);
    }
    expect((await admin.get('/api/v1/repositories/nope')).status).toBe(404);
  });

  it('keeps credentials and webhook secrets out of the database file, logs, responses and audit; deletes the mirror', async () => {
    const canary = { password: 'flotilla-canary-sweep-pass-7777', hook: 'flotilla-canary-sweep-hook-8888' };
    const sweep: string[] = [];
    const record = <T extends { body: unknown }>(r: T) => (sweep.push(JSON.stringify(r.body)), r);
    const made = record(
      await admin.post('/api/v1/repositories', {
        name: 'secrecy',
        url: server.url('deploy'),
        pollIntervalSeconds: 3600,
        auth: { type: 'basic', username: USER, password: canary.password },
        webhookSecret: canary.hook,
      }),
    );
    expect(made.status).toBe(201);
    // a failing fetch (wrong password) puts git's error text in the row, the logs and the answer
    expect(record(await admin.post('/api/v1/repositories/secrecy/refresh')).status).toBe(502);
    record(await admin.patch('/api/v1/repositories/secrecy', { webhookSecret: canary.hook, auth: { type: 'basic', username: USER, password: canary.password } }));
    record(await admin.get('/api/v1/repositories'));
    const audit = record(await admin.get('/api/v1/audit?limit=500'));
    expect(audit.body.items.filter((e: { subject: string }) => e.subject === 'secrecy').length).toBeGreaterThanOrEqual(3);

    const db = Buffer.concat(
      ['flotilla.sqlite', 'flotilla.sqlite-wal'].map((f) => (existsSync(join(running.dataDir, f)) ? readFileSync(join(running.dataDir, f)) : Buffer.alloc(0))),
    );
    const logs = running.logs.join('\n');
    const answers = [...responses, ...sweep].join('\n');
    // the sweep reads real content: the repository's name is in all three
    for (const [where, text] of [
      ['database', db.toString('latin1')],
      ['logs', logs],
      ['responses', answers],
    ] as const) {
      expect(text, `${where} mention the repository`).toContain('secrecy');
    }
    for (const secret of [PASSWORD, HOOK_SECRET, 'flotilla-canary-wrong-pass-1111', canary.password, canary.hook]) {
      expect(db.includes(Buffer.from(secret)), `database holds ${secret}`).toBe(false);
      expect(logs).not.toContain(secret);
      expect(answers).not.toContain(secret);
    }
    expect(existsSync(join(running.dataDir, 'git', 'mirrors', 'secrecy.git'))).toBe(true);
    expect((await admin.delete('/api/v1/repositories/secrecy')).status).toBe(204);
    expect((await admin.get('/api/v1/repositories/secrecy')).status).toBe(404);
    expect(existsSync(join(running.dataDir, 'git', 'mirrors', 'secrecy.git'))).toBe(false);
  });

  it('refuses to delete a repository while something uses it (409 naming the users), and keeps it and its mirror', async () => {
    const made = await admin.post('/api/v1/repositories', {
      name: 'in-use',
      url: server.url('deploy'),
      pollIntervalSeconds: 3600,
      auth: { type: 'basic', username: USER, password: PASSWORD },
    });
    expect(made.status).toBe(201);
    const unregister = running.app.get(RepositoryUsage).register(async (name) => (name === 'in-use' ? ['application "guestbook"', 'application "shop"'] : []));
    try {
      const refused = await admin.delete('/api/v1/repositories/in-use');
      expect(refused.status).toBe(409);
      expect(refused.body.message).toBe('repository "in-use" is used by application "guestbook", application "shop"; remove those first');
      expect((await admin.get('/api/v1/repositories/in-use')).body).toMatchObject({ name: 'in-use', status: { revision: await deploy.head() } });
      expect(existsSync(join(running.dataDir, 'git', 'mirrors', 'in-use.git'))).toBe(true);
      // other repositories are not held by that check
      expect((await admin.delete('/api/v1/repositories/deploy-unused-404')).status).toBe(404);
    } finally {
      unregister();
    }
    expect((await admin.delete('/api/v1/repositories/in-use')).status).toBe(204);
    expect(existsSync(join(running.dataDir, 'git', 'mirrors', 'in-use.git'))).toBe(false);
  });
});
