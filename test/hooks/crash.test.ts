// The outbox survives a crash: the service is killed outright (SIGKILL, no shutdown hook) while
// its deliveries are pending — one in flight at a receiver that does not answer, one queued
// behind it never tried, others waiting out a backoff after 500s — and started again on the
// same data directory. Every one of them arrives, under the id it had before the kill, signed
// with the secret that was sealed under the same key.
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { apiClient, type ApiClient } from '../support/api';
import { GitHttpServer } from '../support/git-server';
import { ceType, deliveriesOf, describeRequests, expectStatus, hooksEnv, waitForDeliveries, webhookChannel } from '../support/hooks';
import { ServiceProcess } from '../support/service-process';
import { WebhookReceiver } from '../support/webhook-receiver';
import { clusterBody, configMapYaml } from '../support/workloads';

const [east] = inject('clusters');
const ADMIN = 'hk3-crash-admin-token-0123456789';
const SECRET = 'hk3-crash-webhook-secret-0123456789';
const APP = 'hk3-app';
const ENV = hooksEnv(ADMIN, undefined, {
  // start-up is known by its "flotilla listening" line, logged at info
  FLOTILLA_LOG_LEVEL: 'info',
  // the same key across the restart: the channel secrets are sealed under it
  FLOTILLA_SECRET_KEY: Buffer.alloc(32, 3).toString('base64'),
  FLOTILLA_HOOKS__MAX_ATTEMPTS: '50',
});

describe('deliveries pending when the service is killed', () => {
  let git: GitHttpServer;
  let hanging: WebhookReceiver;
  let failing: WebhookReceiver;
  let dataDir: string;
  let first: ServiceProcess | undefined;
  let second: ServiceProcess | undefined;
  let head: string;

  beforeAll(async () => {
    git = await GitHttpServer.start();
    hanging = await WebhookReceiver.start({ secret: SECRET });
    failing = await WebhookReceiver.start({ secret: SECRET });
    hanging.always({ hang: true });
    failing.always({ status: 500, body: 'not now' });
    const repo = await git.createRepository('hk3-deploy');
    head = await repo.commit({ 'apps/a/config.yaml': configMapYaml('hk3-config', { a: '1' }) }, { message: 'config' });
    dataDir = mkdtempSync(join(tmpdir(), 'flotilla-hk3-'));
  });
  afterAll(async () => {
    await first?.stop();
    await second?.stop();
    await git?.stop();
    await hanging?.close();
    await failing?.close();
    if (dataDir) rmSync(dataDir, { recursive: true, force: true });
  });

  it('are all delivered after a restart, under the ids they had before', async () => {
    first = await ServiceProcess.start({ dataDir, env: ENV });
    let api: ApiClient = apiClient(first.baseUrl, ADMIN);
    await expectStatus(api.post('/api/v1/clusters', clusterBody('hk3-east', east)));
    await expectStatus(api.post('/api/v1/repositories', { name: 'hk3-deploy', url: git.url('hk3-deploy'), pollIntervalSeconds: 3600 }));
    await expectStatus(api.post('/api/v1/channels', webhookChannel('hk3-hanging', hanging.url, { secret: SECRET, timeoutSeconds: 120 })));
    await expectStatus(api.post('/api/v1/channels', webhookChannel('hk3-failing', failing.url, { secret: SECRET })));
    await expectStatus(
      api.post('/api/v1/applications', {
        name: APP,
        repository: 'hk3-deploy',
        path: 'apps/a',
        destinations: [{ cluster: 'hk3-east', namespace: 'hk3-ns' }],
        syncPolicy: { intervalSeconds: 2 },
        hooks: [
          { on: ['PreSync', 'PostSync'], channel: 'hk3-hanging' },
          { on: ['PreSync', 'PostSync'], channel: 'hk3-failing' },
        ],
      }),
    );

    // PreSync in flight at the hanging receiver, PostSync queued behind it; both retried at the failing one
    const stuck = await waitForDeliveries(api, 'hk3-hanging', (d) => d.length === 2 && hanging.requests.length === 1, 'two deliveries, one in flight', 30_000);
    const waiting = await waitForDeliveries(api, 'hk3-failing', (d) => d.length === 2 && d.every((x) => x.attempts >= 1), 'two deliveries tried at least once', 30_000);
    expect(stuck.map((d) => [d.event, d.state, d.attempts]).sort()).toEqual([
      ['PostSync', 'pending', 0],
      ['PreSync', 'pending', 0],
    ]);
    expect(waiting.every((d) => d.state === 'pending' && d.lastStatus === 500)).toBe(true);
    const inFlight = hanging.requests[0];
    expect(inFlight.event?.type).toBe(ceType('PreSync'));
    expect(inFlight.headers['webhook-id']).toBe(stuck.find((d) => d.event === 'PreSync')!.id);
    const before = { hanging: stuck.map((d) => d.id).sort(), failing: waiting.map((d) => d.id).sort() };
    const attemptsBefore = new Map(waiting.map((d) => [d.id, d.attempts]));

    const exit = await first.kill('SIGKILL');
    expect(exit.signal).toBe('SIGKILL');
    hanging.always({ status: 200, body: 'ok' });
    failing.always({ status: 200, body: 'ok' });
    const answeredBefore = { hanging: hanging.requests.length, failing: failing.requests.length };

    second = await ServiceProcess.start({ dataDir, env: ENV });
    api = apiClient(second.baseUrl, ADMIN);
    const afterHanging = await waitForDeliveries(
      api,
      'hk3-hanging',
      (d) => d.length === 2 && d.every((x) => x.state === 'delivered'),
      'the hanging channel’s deliveries delivered after the restart',
      60_000,
    );
    const afterFailing = await waitForDeliveries(
      api,
      'hk3-failing',
      (d) => d.length === 2 && d.every((x) => x.state === 'delivered'),
      'the failing channel’s deliveries delivered after the restart',
      60_000,
    );
    expect(afterHanging.map((d) => d.id).sort(), 'the same deliveries, not new ones').toEqual(before.hanging);
    expect(afterFailing.map((d) => d.id).sort()).toEqual(before.failing);
    for (const d of afterFailing) expect(d.attempts, 'attempts count on across the restart').toBeGreaterThan(attemptsBefore.get(d.id)!);

    // what the receivers got after the restart: each pending delivery, same id, signed
    for (const [receiver, ids, from] of [
      [hanging, before.hanging, answeredBefore.hanging],
      [failing, before.failing, answeredBefore.failing],
    ] as const) {
      const after = receiver.requests.slice(from);
      expect(
        after
          .filter((r) => r.status === 200)
          .map((r) => String(r.headers['webhook-id']))
          .sort(),
        JSON.stringify(describeRequests(receiver.requests)),
      ).toEqual(ids);
      for (const r of after) {
        expect(r.verified, r.verifyError).toBe(true);
        expect(r.event!.id).toBe(r.headers['webhook-id']);
        expect(r.event!.data.revision.sha).toBe(head);
      }
    }
    // the one in flight at the kill came again under its id: a duplicate a receiver can drop
    const again = hanging.requests.slice(answeredBefore.hanging).find((r) => r.headers['webhook-id'] === inFlight.headers['webhook-id']);
    expect(again?.body).toBe(inFlight.body);
    // nothing new was produced by the restart itself
    expect((await deliveriesOf(api, 'hk3-hanging')).length).toBe(2);
  }, 240_000);
});
