// The delivery log is bounded: finished rows older than hooks.keepDeliveriesDays go, pending ones
// never (they are still to be sent), and recent ones stay.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Channel } from '../../src/channels/channel.entity';
import { Delivery } from '../../src/channels/delivery.entity';
import { DeliveryWorker } from '../../src/channels/delivery-worker';
import { Database } from '../../src/database/database';
import { startApp, type RunningApp } from '../support/app';

describe('the delivery log', () => {
  let running: RunningApp;
  beforeAll(async () => {
    running = await startApp({ FLOTILLA_HOOKS__KEEP_DELIVERIES_DAYS: '7', FLOTILLA_LOG_LEVEL: 'warn' });
  });
  afterAll(() => running?.close());

  it('forgets delivered and failed deliveries past the retention, never pending ones', async () => {
    const db = running.app.get(Database);
    const day = 86_400_000;
    const now = Date.now();
    const row = (id: string, state: Delivery['state'], age: number) => ({
      id,
      channel: 'kept-log',
      kind: 'target' as const,
      event: 'PostSync' as const,
      application: 'x',
      groupKey: null,
      payload: {},
      state,
      attempts: 1,
      // pending and old: a receiver down for a long time; far in the future so the worker leaves it alone here
      nextAttemptAt: now + 3_600_000,
      lastError: null,
      lastStatus: null,
      slackTs: null,
      createdAt: now - age,
      deliveredAt: null,
    });
    await db.write(async (tx) => {
      await tx.insert(Channel, {
        name: 'kept-log',
        type: 'webhook',
        slackChannel: null,
        url: 'https://hooks.example.test/x',
        timeoutSeconds: 10,
        secrets: 'unused',
        signed: false,
        headerNames: [],
        pausedUntil: null,
      });
      await tx.insert(Delivery, [
        row('00000000-0000-4000-8000-000000000001', 'delivered', 8 * day),
        row('00000000-0000-4000-8000-000000000002', 'failed', 30 * day),
        row('00000000-0000-4000-8000-000000000003', 'pending', 30 * day),
        row('00000000-0000-4000-8000-000000000004', 'delivered', 6 * day),
      ] as never);
    });
    expect(await running.app.get(DeliveryWorker).forgetOld()).toBe(2);
    const left = (await db.manager.find(Delivery, { where: { channel: 'kept-log' }, order: { id: 'ASC' } })).map((d) => `${d.id.slice(-1)} ${d.state}`);
    expect(left).toEqual(['3 pending', '4 delivered']);
  });
});
