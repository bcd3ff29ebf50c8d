// Durable delivery: a receiver that fails twice gets the event a third time under the same id
// and the delivery ends delivered after 3 attempts; one that always fails ends `failed` after
// hooks.maxAttempts with the last error and status, audited; a 4xx is not retried; and a
// redelivery sends the failed event again, same id, until it is delivered.
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { apiClient, type ApiClient } from '../support/api';
import { startApp, type RunningApp } from '../support/app';
import { GitHttpServer } from '../support/git-server';
import { ceType, deliveriesOf, describeRequests, expectStatus, hooksEnv, sleep, waitForDeliveries, webhookChannel, type DeliveryView } from '../support/hooks';
import { WebhookReceiver } from '../support/webhook-receiver';
import { clusterBody, configMapYaml } from '../support/workloads';

const [east] = inject('clusters');
const ADMIN = 'hk2-retries-admin-token-0123456789';
const SECRET = 'hk2-retries-webhook-secret-0123456789';
const APP = 'hk2-app';
const MAX_ATTEMPTS = 3;

describe('delivery retries and redelivery', () => {
  let running: RunningApp;
  let api: ApiClient;
  let git: GitHttpServer;
  let flaky: WebhookReceiver;
  let down: WebhookReceiver;
  let gone: WebhookReceiver;
  let head: string;

  beforeAll(async () => {
    git = await GitHttpServer.start();
    flaky = await WebhookReceiver.start({ secret: SECRET });
    down = await WebhookReceiver.start({ secret: SECRET });
    gone = await WebhookReceiver.start({ secret: SECRET });
    flaky.respond({ status: 500, body: 'oops' }, { status: 500, body: 'oops again' });
    down.always({ status: 500, body: 'down for maintenance' });
    gone.always({ status: 410, body: 'this endpoint is gone' });
    const repo = await git.createRepository('hk2-deploy');
    head = await repo.commit({ 'apps/a/config.yaml': configMapYaml('hk2-config', { a: '1' }) }, { message: 'config' });
    running = await startApp(hooksEnv(ADMIN, undefined, { FLOTILLA_HOOKS__MAX_ATTEMPTS: String(MAX_ATTEMPTS) }));
    api = apiClient(running.baseUrl, ADMIN);
    await expectStatus(api.post('/api/v1/clusters', clusterBody('hk2-east', east)));
    await expectStatus(api.post('/api/v1/repositories', { name: 'hk2-deploy', url: git.url('hk2-deploy'), pollIntervalSeconds: 3600 }));
    await expectStatus(api.post('/api/v1/channels', webhookChannel('hk2-flaky', flaky.url, { secret: SECRET })));
    await expectStatus(api.post('/api/v1/channels', webhookChannel('hk2-down', down.url, { secret: SECRET })));
    await expectStatus(api.post('/api/v1/channels', webhookChannel('hk2-gone', gone.url, { secret: SECRET })));
    await expectStatus(
      api.post('/api/v1/applications', {
        name: APP,
        repository: 'hk2-deploy',
        path: 'apps/a',
        destinations: [{ cluster: 'hk2-east', namespace: 'hk2-ns' }],
        syncPolicy: { intervalSeconds: 2 },
        hooks: [
          { on: ['PostSync'], channel: 'hk2-flaky' },
          { on: ['PostSync'], channel: 'hk2-down' },
          { on: ['PostSync'], channel: 'hk2-gone' },
        ],
      }),
    );
  });
  afterAll(async () => {
    await running?.close();
    await git?.stop();
    for (const r of [flaky, down, gone]) await r?.close();
  });

  it('sends an event again after two 500s, under the same id, and marks it delivered after 3 attempts', async () => {
    const [log] = await waitForDeliveries(api, 'hk2-flaky', (d) => d.length === 1 && d[0].state === 'delivered', 'the flaky receiver’s event delivered');
    expect(log).toMatchObject({ event: 'PostSync', kind: 'target', application: APP, state: 'delivered', attempts: 3, lastStatus: 200, lastError: null, nextAttemptAt: null });
    expect(log.deliveredAt).not.toBeNull();
    expect(
      flaky.requests.map((r) => r.status),
      JSON.stringify(describeRequests(flaky.requests)),
    ).toEqual([500, 500, 200]);
    for (const r of flaky.requests) {
      expect(r.verified, r.verifyError).toBe(true);
      expect(r.headers['webhook-id']).toBe(log.id);
      expect(r.event).toMatchObject({ id: log.id, type: ceType('PostSync'), data: { revision: { sha: head } } });
    }
    // the same event every time (only the signature's timestamp may differ)
    expect(new Set(flaky.requests.map((r) => JSON.stringify(r.event))).size).toBe(1);
    // backoff: not all at once, and within the 2 s cap (plus the worker's 1 s scan)
    const gaps = flaky.requests.slice(1).map((r, i) => r.at - flaky.requests[i].at);
    for (const gap of gaps) expect(gap).toBeLessThan(4_000);
    const audit = await api.get(`/api/v1/audit?action=delivery.delivered&subject=${encodeURIComponent(`hk2-flaky/${log.id}`)}`);
    expect(audit.body.items, JSON.stringify(audit.body)).toHaveLength(1);
    expect(audit.body.items[0]).toMatchObject({ actor: 'flotilla', outcome: 'delivered' });
  }, 60_000);

  it(`marks an event failed for good after ${MAX_ATTEMPTS} attempts at a receiver that always fails, with its last error`, async () => {
    const [log] = await waitForDeliveries(api, 'hk2-down', (d) => d.length === 1 && d[0].state === 'failed', 'the down receiver’s event failed');
    expect(log).toMatchObject({ event: 'PostSync', state: 'failed', attempts: MAX_ATTEMPTS, lastStatus: 500, deliveredAt: null, nextAttemptAt: null });
    expect(log.lastError).toMatch(/500/);
    expect(log.lastError).toContain('down for maintenance');
    expect(down.requests.map((r) => r.status)).toEqual(Array(MAX_ATTEMPTS).fill(500));
    expect(new Set(down.requests.map((r) => r.headers['webhook-id']))).toEqual(new Set([log.id]));
    await sleep(4_000);
    expect(down.requests.length, 'no attempt after the last').toBe(MAX_ATTEMPTS);
    expect((await deliveriesOf(api, 'hk2-down'))[0]).toMatchObject({ state: 'failed', attempts: MAX_ATTEMPTS });
    const audit = await api.get(`/api/v1/audit?action=delivery.failed&subject=${encodeURIComponent(`hk2-down/${log.id}`)}`);
    expect(audit.body.items, JSON.stringify(audit.body)).toHaveLength(1);
    expect(audit.body.items[0]).toMatchObject({ actor: 'flotilla', outcome: 'failed' });
  }, 60_000);

  it('does not retry a 4xx answer', async () => {
    const [log] = await waitForDeliveries(api, 'hk2-gone', (d) => d.length === 1 && d[0].state === 'failed', 'the gone receiver’s event failed');
    expect(log).toMatchObject({ state: 'failed', attempts: 1, lastStatus: 410 });
    expect(log.lastError).toContain('this endpoint is gone');
    await sleep(3_000);
    expect(gone.requests.map((r) => r.status)).toEqual([410]);
  }, 30_000);

  it('redelivers a failed event under the same id, and it ends delivered', async () => {
    const [failed] = await waitForDeliveries(api, 'hk2-down', (d) => d.length === 1 && d[0].state === 'failed', 'failed');
    // redelivering is for admins; the log is for everyone
    const operator = apiClient(running.baseUrl, (await expectStatus(api.post('/api/v1/tokens', { name: 'hk2-operator', role: 'operator' }))).token);
    expect((await operator.post(`/api/v1/channels/hk2-down/deliveries/${failed.id}/redeliver`)).status).toBe(403);
    const viewer = apiClient(running.baseUrl, (await expectStatus(api.post('/api/v1/tokens', { name: 'hk2-viewer', role: 'viewer' }))).token);
    expect((await viewer.get('/api/v1/channels/hk2-down/deliveries')).body.items.map((d: DeliveryView) => d.id)).toEqual([failed.id]);
    await sleep(1_500);
    expect(down.requests.length, 'a refused redelivery sends nothing').toBe(MAX_ATTEMPTS);
    down.always({ status: 200, body: 'back' });
    const answer = await api.post(`/api/v1/channels/hk2-down/deliveries/${failed.id}/redeliver`);
    expect(answer.status, JSON.stringify(answer.body)).toBe(202);
    expect(answer.body).toMatchObject({ id: failed.id, state: 'pending' });
    const [delivered] = await waitForDeliveries(api, 'hk2-down', (d) => d[0]?.state === 'delivered', 'redelivered', 15_000);
    expect(delivered).toMatchObject({ id: failed.id, state: 'delivered', lastStatus: 200, lastError: null });
    expect(delivered.attempts).toBeGreaterThanOrEqual(1);
    const last = down.requests[down.requests.length - 1];
    expect(down.requests.length).toBe(MAX_ATTEMPTS + 1);
    expect(last.status).toBe(200);
    expect(last.verified, last.verifyError).toBe(true);
    expect(last.headers['webhook-id']).toBe(failed.id);
    expect(last.event).toMatchObject({ id: failed.id, type: ceType('PostSync') });
    expect(last.event!.data).toEqual(down.requests[0].event!.data);

    // a delivered one can be sent again too; anything else is refused
    const again = await api.post(`/api/v1/channels/hk2-down/deliveries/${failed.id}/redeliver`);
    expect(again.status).toBe(202);
    await waitForDeliveries(api, 'hk2-down', (d) => d[0]?.state === 'delivered' && down.requests.length === MAX_ATTEMPTS + 2, 'sent a second time', 15_000);
    expect(down.requests[MAX_ATTEMPTS + 1].headers['webhook-id']).toBe(failed.id);
    const unknown = await api.post('/api/v1/channels/hk2-down/deliveries/00000000-0000-4000-8000-000000000000/redeliver');
    expect(unknown.status).toBe(404);
    const otherChannel = await api.post(`/api/v1/channels/hk2-flaky/deliveries/${failed.id}/redeliver`);
    expect(otherChannel.status, 'a delivery is redelivered on its own channel only').toBe(404);
    expect((await api.post('/api/v1/channels/hk2-down/deliveries/not-an-id/redeliver')).status).toBe(400);
    const all: DeliveryView[] = await deliveriesOf(api, 'hk2-down');
    expect(
      all.map((d) => d.id),
      'a redelivery is the same delivery, not a new one',
    ).toEqual([failed.id]);
  }, 60_000);
});
