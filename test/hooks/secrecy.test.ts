// Channel secrets are write-only: Slack tokens, webhook secrets and custom header values are never
// in a response (a channel shows hasToken / hasSecret and header names), never in the audit log
// (request bodies are redacted), never in the logs or an error message, and never in clear in the
// database file or its WAL — on every path that handles one: create, refused create, rotation, the
// test endpoint, a token Slack refuses, a receiver that fails, and real hook deliveries.
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { randomBytes } from 'node:crypto';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { projectRoot } from '../../src/shared/project-root';
import { apiClient, type ApiClient, type ApiResponse } from '../support/api';
import { startApp, type RunningApp } from '../support/app';
import { GitHttpServer } from '../support/git-server';
import { deliveriesOf, expectStatus, hooksEnv, waitForDeliveries, waitForEvents, webhookChannel } from '../support/hooks';
import { databaseAtRest, holding, leaks, liveSources, urlShapedRequestFields } from '../support/secrecy-sweep';
import { SlackStandin } from '../support/slack-standin';
import { WebhookReceiver } from '../support/webhook-receiver';
import { kubeconfigYaml } from '../testbed/cluster';
import { clusterBody, configMapYaml } from '../support/workloads';

const [east] = inject('clusters');
const ADMIN = 'hk8-secrecy-admin-token-0123456789';
const canary = (what: string) => `hk8-canary-${what}-${randomBytes(12).toString('hex')}`;
const TOKEN = `xoxb-${canary('slack-token')}`;
const ROTATED_AWAY = `xoxb-${canary('slack-rotated-away')}`;
const WRONG = `xoxb-${canary('slack-wrong')}`;
const REFUSED = `xoxb-${canary('slack-refused')}`;
const SECRET = canary('webhook-secret');
const OLD_SECRET = canary('webhook-old-secret');
const FAILING_SECRET = canary('webhook-failing-secret');
const HEADER = `Bearer ${canary('header-value')}`;

describe('channel secrets', () => {
  let running: RunningApp;
  let api: ApiClient;
  let git: GitHttpServer;
  let slack: SlackStandin;
  let hook: WebhookReceiver;
  let failing: WebhookReceiver;
  let closed = false;

  beforeAll(async () => {
    git = await GitHttpServer.start();
    slack = await SlackStandin.start({ tokens: [TOKEN] });
    hook = await WebhookReceiver.start({ secret: SECRET });
    failing = await WebhookReceiver.start({ secret: FAILING_SECRET });
    failing.always({ status: 500, body: 'no' });
    const repo = await git.createRepository('hk8-deploy');
    await repo.commit({ 'apps/a/config.yaml': configMapYaml('hk8-config', { a: '1' }) }, { message: 'config' });
    running = await startApp(hooksEnv(ADMIN, slack.url, { FLOTILLA_LOG_LEVEL: 'debug', FLOTILLA_HOOKS__MAX_ATTEMPTS: '2' }), { keepDataDir: true });
    api = apiClient(running.baseUrl, ADMIN);
    await expectStatus(api.post('/api/v1/clusters', clusterBody('hk8-east', east)));
    await expectStatus(api.post('/api/v1/repositories', { name: 'hk8-deploy', url: git.url('hk8-deploy'), pollIntervalSeconds: 3600 }));
  });
  afterAll(async () => {
    if (running && !closed) await running.close();
    if (running) rmSync(running.dataDir, { recursive: true, force: true });
    await git?.stop();
    await slack?.close();
    await hook?.close();
    await failing?.close();
  });

  it('never appear in a response, the audit log, the logs or the database, on every path that handles one', async () => {
    const responses: string[] = [];
    const call = async (p: Promise<ApiResponse>, status?: number) => {
      const r = await p;
      if (r.body !== undefined) responses.push(JSON.stringify(r.body));
      if (status !== undefined) expect(r.status, JSON.stringify(r.body)).toBe(status);
      return r;
    };

    // every way a secret comes in: create, refused create, rotation (slack and webhook)
    await call(api.post('/api/v1/channels', { name: 'hk8-slack', type: 'slack', slack: { token: ROTATED_AWAY, channel: '#hk8-visible' } }), 201);
    await call(api.patch('/api/v1/channels/hk8-slack', { slack: { token: TOKEN } }), 200);
    await call(api.post('/api/v1/channels', { name: 'Hk8_Refused', type: 'slack', slack: { token: REFUSED, channel: '#x' } }), 400);
    await call(api.post('/api/v1/channels', { name: 'hk8-wrong', type: 'slack', slack: { token: WRONG, channel: '#hk8-visible' } }), 201);
    await call(api.post('/api/v1/channels', { name: 'hk8-hook', type: 'webhook', webhook: { url: hook.url, secret: OLD_SECRET, headers: { 'X-Api-Key': HEADER } } }), 201);
    await call(api.patch('/api/v1/channels/hk8-hook', { webhook: { secret: SECRET } }), 200);
    await call(
      api.post('/api/v1/channels', { name: 'hk8-failing', type: 'webhook', webhook: { url: failing.url, secret: FAILING_SECRET, headers: { Authorization: HEADER } } }),
      201,
    );

    // what a channel shows: that a secret is there, and header names only
    const slackView = (await call(api.get('/api/v1/channels/hk8-slack'), 200)).body;
    expect(slackView.slack).toEqual({ channel: '#hk8-visible', hasToken: true });
    const hookView = (await call(api.get('/api/v1/channels/hk8-hook'), 200)).body;
    expect(hookView.webhook).toEqual({ url: hook.url, hasSecret: true, headers: ['X-Api-Key'], timeoutSeconds: 10 });
    const list = (await call(api.get('/api/v1/channels'), 200)).body;
    expect(list.map((c: { name: string }) => c.name)).toEqual(['hk8-failing', 'hk8-hook', 'hk8-slack', 'hk8-wrong']);
    expect(list.find((c: { name: string }) => c.name === 'hk8-failing').webhook.headers).toEqual(['Authorization']);

    // every way one is used: the test endpoint, a refused token, a failing receiver, real deliveries
    expect((await call(api.post('/api/v1/channels/hk8-slack/test'), 200)).body).toMatchObject({ ok: true });
    const wrong = (await call(api.post('/api/v1/channels/hk8-wrong/test'), 200)).body;
    expect(wrong.ok).toBe(false);
    expect(wrong.message).toMatch(/invalid_auth/);
    expect((await call(api.post('/api/v1/channels/hk8-hook/test'), 200)).body).toMatchObject({ ok: true, status: 200 });
    expect((await call(api.post('/api/v1/channels/hk8-failing/test'), 200)).body).toMatchObject({ ok: false, status: 500 });
    const on = ['PreSync', 'PostSync'];
    await call(
      api.post('/api/v1/applications', {
        name: 'hk8-app',
        repository: 'hk8-deploy',
        path: 'apps/a',
        destinations: [{ cluster: 'hk8-east', namespace: 'hk8-ns' }],
        syncPolicy: { intervalSeconds: 2 },
        hooks: [
          { on, channel: 'hk8-slack' },
          { on, channel: 'hk8-wrong' },
          { on, channel: 'hk8-hook' },
          { on, channel: 'hk8-failing' },
        ],
      }),
      201,
    );
    await waitForEvents(hook, 'PostSync', 1);
    await waitForDeliveries(
      api,
      'hk8-failing',
      (d) => d.filter((x) => x.kind === 'target').length === 2 && d.every((x) => x.state === 'failed'),
      'the failing receiver gave up on',
      30_000,
    );
    await waitForDeliveries(
      api,
      'hk8-wrong',
      (d) => d.filter((x) => x.kind === 'target').length === 2 && d.every((x) => x.state === 'failed'),
      'the refused token gave up on',
      30_000,
    );
    await waitForDeliveries(api, 'hk8-slack', (d) => d.filter((x) => x.kind === 'target').length === 2 && d.every((x) => x.state === 'delivered'), 'slack delivered', 30_000);
    for (const name of ['hk8-slack', 'hk8-wrong', 'hk8-hook', 'hk8-failing']) await call(api.get(`/api/v1/channels/${name}/deliveries`), 200);
    expect((await deliveriesOf(api, 'hk8-wrong'))[0].lastError).toMatch(/invalid_auth/);

    // the secrets were really used: the stand-in saw the rotated token, the receivers checked the signatures and headers
    expect(new Set(slack.calls.map((c) => c.token))).toEqual(new Set([TOKEN, WRONG]));
    expect(hook.requests.length).toBeGreaterThanOrEqual(3);
    expect(
      hook.requests.every((r) => r.verified === true && r.headers['x-api-key'] === HEADER),
      'signed with the new secret, with the header',
    ).toBe(true);
    expect(failing.requests.every((r) => r.verified === true && r.headers.authorization === HEADER)).toBe(true);

    // the audit log keeps request bodies, redacted
    const audit = await call(api.get('/api/v1/audit?limit=500'), 200);
    const bodyOf = (action: string, subject: string) =>
      audit.body.items.filter((e: { action: string; subject: string }) => e.action === action && e.subject === subject).map((e: { details: { body: unknown } }) => e.details.body);
    expect(bodyOf('channels.create', 'hk8-slack')).toEqual([{ name: 'hk8-slack', type: 'slack', slack: { token: '[redacted]', channel: '#hk8-visible' } }]);
    expect(bodyOf('channels.update', 'hk8-slack')).toEqual([{ slack: { token: '[redacted]' } }]);
    expect(bodyOf('channels.create', 'hk8-hook')).toEqual([
      { name: 'hk8-hook', type: 'webhook', webhook: { url: hook.url, secret: '[redacted]', headers: { 'X-Api-Key': '[redacted]' } } },
    ]);
    expect(bodyOf('channels.update', 'hk8-hook')).toEqual([{ webhook: { secret: '[redacted]' } }]);
    expect(audit.body.items.some((e: { action: string }) => e.action === 'delivery.failed')).toBe(true);

    const secrets: [string, string][] = [
      ['slack token', TOKEN],
      ['rotated-away slack token', ROTATED_AWAY],
      ['slack token Slack refuses', WRONG],
      ['slack token of a refused request', REFUSED],
      ['webhook secret', SECRET],
      ['rotated-away webhook secret', OLD_SECRET],
      ['secret of a failing receiver', FAILING_SECRET],
      ['custom header value', HEADER],
      ['custom header value (token part)', HEADER.slice('Bearer '.length)],
    ];
    const live = liveSources(running, responses);
    // the sweep reads real bytes: what is kept in clear beside the secrets is found in each place
    for (const [where, bytes] of Object.entries(live)) expect(bytes.length, where).toBeGreaterThan(1000);
    const database = Buffer.concat([live['the database file'], live['its WAL']]);
    expect(database.includes('#hk8-visible'), 'the Slack channel name is stored in clear').toBe(true);
    expect(database.includes(hook.url)).toBe(true);
    expect(holding(live, 'hk8-failing'), 'the failing channel in the logs').toContain('the logs');
    expect(holding(live, '"hasToken":true')).toContain('the responses');
    expect(leaks(secrets, live)).toEqual([]);

    await running.close();
    closed = true;
    const atRest = databaseAtRest(running);
    expect(holding(atRest, '#hk8-visible')).toContain('flotilla.sqlite');
    expect(leaks(secrets, atRest)).toEqual([]);
  }, 120_000);
});

// Credentials inside a URL (`user:password@`, a git-style `token@`) are refused in every URL field,
// with a 400 naming the field; the refused body is still audited, and whatever the body says is
// kept there with the user-info replaced by `***@` — in every URL-shaped field (read from
// openapi.json), in URLs that do not parse, inside longer strings, and in bodies that are accepted.
describe('credentials in URLs', () => {
  const HOST = 'hk8-visible-host.example.test';
  let running: RunningApp;
  let api: ApiClient;
  let git: GitHttpServer;
  let closed = false;

  beforeAll(async () => {
    git = await GitHttpServer.start();
    const repo = await git.createRepository('hk8-url-deploy');
    await repo.commit({ 'apps/a/config.yaml': configMapYaml('hk8-url-config', { a: '1' }) }, { message: 'config' });
    running = await startApp(hooksEnv(ADMIN, undefined, { FLOTILLA_LOG_LEVEL: 'debug' }), { keepDataDir: true });
    api = apiClient(running.baseUrl, ADMIN);
    await expectStatus(api.post('/api/v1/clusters', clusterBody('hk8-url-east', east)));
    await expectStatus(api.post('/api/v1/repositories', { name: 'hk8-url-deploy', url: git.url('hk8-url-deploy'), pollIntervalSeconds: 3600 }));
    await expectStatus(api.post('/api/v1/channels', webhookChannel('hk8-url-hook', 'http://127.0.0.1:9/hk8-hook')));
  });
  afterAll(async () => {
    if (running && !closed) await running.close();
    if (running) rmSync(running.dataDir, { recursive: true, force: true });
    await git?.stop();
  });

  it('never appear in an answer, the audit log, the logs or the database, accepted or refused, in every URL-shaped field', async () => {
    const responses: string[] = [];
    const call = async (p: Promise<ApiResponse>, status: number) => {
      const r = await p;
      if (r.body !== undefined) responses.push(JSON.stringify(r.body));
      expect(r.status, JSON.stringify(r.body)).toBe(status);
      return r;
    };

    // every way a URL can carry credentials: user:password@, a git-style token@, a URL that does
    // not parse (a bad port), one inside a longer string
    const forms: [string, (marker: string, path: string) => string][] = [
      ['user:password@', (m, path) => `https://hk8-user:${m}@${HOST}${path}`],
      ['token@', (m, path) => `https://${m}@${HOST}${path}`],
      ['an unparsable URL', (m, path) => `https://hk8-user:${m}@${HOST}:no-port${path}`],
      ['a URL in a longer string', (m, path) => `mirror of https://hk8-user:${m}@${HOST}${path}`],
    ];
    // every URL-shaped request field, sent in every request that takes it
    type Sent = { method: 'post' | 'patch'; path: string; body: Record<string, unknown>; action: string; subject: string; pick: (body: any) => unknown };
    const fields: Record<string, ((url: string, n: number) => Sent)[]> = {
      'CreateRepositoryDto.url': [
        (url, n) => ({
          method: 'post',
          path: '/api/v1/repositories',
          body: { name: `hk8-url-repo-${n}`, url },
          action: 'repositories.create',
          subject: `hk8-url-repo-${n}`,
          pick: (b) => b.url,
        }),
      ],
      'UpdateRepositoryDto.url': [
        (url) => ({ method: 'patch', path: '/api/v1/repositories/hk8-url-deploy', body: { url }, action: 'repositories.update', subject: 'hk8-url-deploy', pick: (b) => b.url }),
      ],
      'CreateClusterDto.server': [
        (url, n) => ({
          method: 'post',
          path: '/api/v1/clusters',
          body: { ...clusterBody(`hk8-url-cluster-${n}`, east), server: url },
          action: 'clusters.create',
          subject: `hk8-url-cluster-${n}`,
          pick: (b) => b.server,
        }),
      ],
      'UpdateClusterDto.server': [
        (url) => ({ method: 'patch', path: '/api/v1/clusters/hk8-url-east', body: { server: url }, action: 'clusters.update', subject: 'hk8-url-east', pick: (b) => b.server }),
      ],
      'WebhookChannelDto.url': [
        (url, n) => ({
          method: 'post',
          path: '/api/v1/channels',
          body: webhookChannel(`hk8-url-channel-${n}`, url),
          action: 'channels.create',
          subject: `hk8-url-channel-${n}`,
          pick: (b) => b.webhook.url,
        }),
        (url) => ({
          method: 'patch',
          path: '/api/v1/channels/hk8-url-hook',
          body: { webhook: { url } },
          action: 'channels.update',
          subject: 'hk8-url-hook',
          pick: (b) => b.webhook.url,
        }),
      ],
    };
    expect(Object.keys(fields).sort(), 'the sweep covers every URL-shaped field of openapi.json').toEqual(urlShapedRequestFields(join(projectRoot(__dirname), 'openapi.json')));

    const secrets: [string, string][] = [];
    const sent: (Sent & { what: string })[] = [];
    let n = 0;
    for (const [field, senders] of Object.entries(fields)) {
      for (const send of senders) {
        for (const [form, url] of forms) {
          n += 1;
          const marker = canary(`url-${n}`);
          const r = send(url(marker, `/hk8/${n}.git`), n);
          const what = `${field} (${r.method.toUpperCase()}, ${form})`;
          const answer = await call(api[r.method](r.path, r.body), 400);
          // the refusal names the field and why, without repeating the URL (the sweep below)
          if (form === 'user:password@' || form === 'token@')
            expect(answer.body.message, what).toMatch(/(URL|server) must not (contain|carry) (a password|user-info|a user name or password|credentials)/);
          secrets.push([what, marker]);
          sent.push({ ...r, what });
        }
      }
    }
    // a kubeconfig whose server holds credentials (the kubeconfig itself is a secret field)
    const inKubeconfig = canary('url-kubeconfig');
    await call(
      api.post('/api/v1/clusters', { name: 'hk8-url-kubeconfig', kubeconfig: kubeconfigYaml({ ...east, server: `https://hk8-user:${inKubeconfig}@${HOST}:6443` }, 'hk8-token') }),
      400,
    );
    secrets.push(['the server of a kubeconfig', inKubeconfig]);

    // an accepted body: free-form helm values are kept as given in the application, but its audit
    // entry redacts the URL in them like any other string
    const inValues = canary('url-helm-values');
    await call(
      api.post('/api/v1/applications', {
        name: 'hk8-url-app',
        repository: 'hk8-url-deploy',
        path: 'apps/a',
        destinations: [],
        helm: { values: { chartProxy: `https://hk8-user:${inValues}@${HOST}/charts` } },
      }),
      201,
    );

    // the audit log keeps every refused body, with its URLs' host and path and without their user-info
    const audit = await call(api.get('/api/v1/audit?limit=500'), 200);
    const items = audit.body.items as { action: string; subject: string; outcome: string; details: { body: unknown; status: number; error?: string } }[];
    for (const s of sent) {
      const entries = items.filter((e) => e.action === s.action && e.subject === s.subject && e.outcome === 'failure' && e.details.status === 400);
      const urls = entries.map((e) => String(s.pick(e.details.body)));
      expect(
        urls.some((u) => u.includes('***@') && u.includes(HOST)),
        `${s.what}: ${urls.join(', ')}`,
      ).toBe(true);
    }
    const app = items.find((e) => e.action === 'applications.create' && e.subject === 'hk8-url-app');
    expect((app?.details.body as any)?.helm?.values?.chartProxy).toBe(`https://***@${HOST}/charts`);
    expect(JSON.stringify(audit.body).includes(inValues), "the helm values' URL in the audit log").toBe(false);
    expect(running.logs.join('\n').includes(inValues), "the helm values' URL in the logs").toBe(false);

    const live = liveSources(running, responses);
    for (const [where, bytes] of Object.entries(live)) expect(bytes.length, where).toBeGreaterThan(1000);
    // the sweep reads real bytes: the URLs' host is kept where the user-info is not
    expect(holding(live, HOST)).toContain('the responses');
    expect(Buffer.concat([live['the database file'], live['its WAL']]).includes(`https://***@${HOST}`), 'the audit entries in the database').toBe(true);
    expect(holding(live, '"path":"/api/v1/repositories"'), 'the refused requests in the logs').toContain('the logs');
    expect(leaks(secrets, live)).toEqual([]);

    await running.close();
    closed = true;
    const atRest = databaseAtRest(running);
    expect(holding(atRest, HOST)).toContain('flotilla.sqlite');
    expect(leaks(secrets, atRest)).toEqual([]);
  }, 120_000);
});
