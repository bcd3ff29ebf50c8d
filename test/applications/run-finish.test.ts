// A run's hook events are written to the outbox in the very transaction that finishes the run: a
// crash between two transactions would lose the notification (run finished, no event) or send one
// for a run that never finished. The real service on a real cluster, whose render fails so every
// run ends Failed with a SyncFailed event; the run store and the outbox are observed, not replaced.
import type { EntityManager } from 'typeorm';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { SyncRuns } from '../../src/applications/sync-runs';
import { HookOutbox } from '../../src/channels/hook-outbox';
import { Database } from '../../src/database/database';
import { ApiClient, apiClient } from '../support/api';
import { RunningApp, startApp } from '../support/app';
import { eventually } from '../support/eventually';
import { GitHttpServer } from '../support/git-server';
import { expectStatus, hooksEnv, webhookChannel } from '../support/hooks';
import { WebhookReceiver } from '../support/webhook-receiver';
import { clusterBody } from '../support/workloads';

const [east] = inject('clusters');
const ADMIN = 'run-finish-admin-token-0123456789';
const SECRET = 'run-finish-webhook-secret-0123456789';
const APP = 'rf-web';
const REPO = 'rf-deploy';

describe('the transaction that finishes a run', () => {
  let server: GitHttpServer;
  let receiver: WebhookReceiver;
  let running: RunningApp;
  let admin: ApiClient;
  const finishes: { run: number; phase: string; tx: EntityManager }[] = [];
  const enqueued: { type: string; application: string; tx: EntityManager }[] = [];

  beforeAll(async () => {
    server = await GitHttpServer.start();
    const repo = await server.createRepository(REPO);
    await repo.commit({ 'apps/web/broken.yaml': 'kind: ConfigMap\nmetadata: [unclosed\n' }, { message: 'broken' });
    receiver = await WebhookReceiver.start({ secret: SECRET });
    running = await startApp(hooksEnv(ADMIN));
    admin = apiClient(running.baseUrl, ADMIN);

    // observe, then call through: which transaction finished which run, and which wrote which event
    const runs = running.app.get(SyncRuns);
    const finish = runs.finish.bind(runs);
    runs.finish = (run, end, also) =>
      finish(run, end, async (tx) => {
        finishes.push({ run: run.id, phase: end.phase, tx });
        await also?.(tx);
      });
    const outbox = running.app.get(HookOutbox);
    const enqueue = outbox.enqueue.bind(outbox);
    outbox.enqueue = (tx, hooks, event) => {
      enqueued.push({ type: event.type, application: event.application, tx });
      return enqueue(tx, hooks, event);
    };

    await expectStatus(admin.post('/api/v1/clusters', clusterBody('a', east)));
    await expectStatus(admin.post('/api/v1/repositories', { name: REPO, url: server.url(REPO), pollIntervalSeconds: 3600 }));
    await expectStatus(admin.post('/api/v1/channels', webhookChannel('rf-hook', receiver.url, { secret: SECRET })));
    await expectStatus(
      admin.post('/api/v1/applications', {
        name: APP,
        repository: REPO,
        path: 'apps/web',
        destinations: [{ cluster: 'a', namespace: 'rf-web' }],
        syncPolicy: { automated: true, intervalSeconds: 2 },
        hooks: [{ on: ['SyncFailed'], channel: 'rf-hook' }],
      }),
    );
  });
  afterAll(async () => {
    await running?.close();
    await receiver?.close();
    await server?.stop();
  });

  it("writes a failed run's SyncFailed event in the transaction that finishes the run", async () => {
    await eventually(
      'a SyncFailed event written',
      async () => enqueued.filter((e) => e.type === 'SyncFailed').length,
      (n) => n > 0,
      60_000,
    );
    const event = enqueued.find((e) => e.type === 'SyncFailed')!;
    expect(event.application).toBe(APP);
    const failed = finishes.filter((f) => f.phase === 'Failed');
    expect(failed.length, 'runs finished Failed').toBeGreaterThan(0);
    expect(
      failed.some((f) => f.tx === event.tx),
      'the outbox insert used the transaction that finished a run',
    ).toBe(true);
    expect(event.tx, 'not the shared connection outside any transaction').not.toBe(running.app.get(Database).manager);
    // and what it wrote is delivered
    await eventually(
      'the receiver got it',
      async () => receiver.requests.length,
      (n) => n > 0,
      30_000,
    );
  }, 120_000);
});
