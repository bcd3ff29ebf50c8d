import 'reflect-metadata';
import { DataSource } from 'typeorm';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ManualClock } from '../shared/clock';
import { Channel } from './channel.entity';
import { Delivery } from './delivery.entity';
import type { Hook, TargetEvent } from './hook-events';
import { HookOutbox } from './hook-outbox';
import type { RolloutEvent } from './rollout-event';

const sha = 'abc1234def5678901234567890abcdef12345678';
const revision = { sha, shortSha: 'abc1234' };
const halted: RolloutEvent = {
  type: 'RolloutHalted',
  application: 'guestbook',
  rolloutId: 7,
  revision,
  state: 'Halted',
  wave: 'canary',
  target: { cluster: 'east', namespace: 'web' },
  reason: 'Degraded',
  waves: [{ name: 'canary', state: 'Halted', targets: 1, done: 0 }],
  trigger: 'webhook',
  actor: 'flotilla',
};
const hook = (over: Partial<Hook>): Hook => ({ on: ['RolloutHalted'], channel: 'ops-slack', group: 'target', gate: false, ...over });

describe('HookOutbox.enqueueRollout', () => {
  let ds: DataSource;
  let clock: ManualClock;
  let outbox: HookOutbox;
  const rows = () => ds.manager.find(Delivery, { order: { createdAt: 'ASC', channel: 'ASC' } });

  beforeEach(async () => {
    ds = new DataSource({ type: 'better-sqlite3', database: ':memory:', entities: [Channel, Delivery], synchronize: true });
    await ds.initialize();
    for (const [name, type] of [
      ['ops-slack', 'slack'],
      ['team-slack', 'slack'],
      ['ci-hook', 'webhook'],
    ] as const) {
      await ds.manager.insert(Channel, {
        name,
        type,
        slackChannel: type === 'slack' ? '#ops' : null,
        url: type === 'webhook' ? 'https://ci.example.com/hook' : null,
        secrets: 'sealed',
        headerNames: [],
      });
    }
    clock = new ManualClock();
    outbox = new HookOutbox(clock);
  });

  afterEach(async () => {
    await ds.destroy();
  });

  it('writes one rollout delivery per hook naming the event, carrying the event, and skips the rest and gates', async () => {
    const hooks = [
      hook({}),
      hook({ channel: 'ci-hook', on: ['PreSync', 'RolloutHalted', 'RolloutCompleted'] }),
      hook({ channel: 'team-slack', on: ['RolloutCompleted', 'PostSync'] }),
      hook({ channel: 'ci-hook', on: ['PreSync'], gate: true }),
    ];
    const written = await ds.transaction((tx) => outbox.enqueueRollout(tx, hooks, halted));
    expect(written).toBe(2);
    const all = await rows();
    expect(all.map((d) => [d.channel, d.kind, d.event, d.application, d.state])).toEqual([
      ['ci-hook', 'rollout', 'RolloutHalted', 'guestbook', 'pending'],
      ['ops-slack', 'rollout', 'RolloutHalted', 'guestbook', 'pending'],
    ]);
    expect(all[0].payload).toEqual(halted);
    expect(all[0].nextAttemptAt).toBe(clock.now());
  });

  it('nothing is written when the transaction rolls back', async () => {
    await expect(
      ds.transaction(async (tx) => {
        await outbox.enqueueRollout(tx, [hook({})], halted);
        throw new Error('the rollout step failed');
      }),
    ).rejects.toThrow('the rollout step failed');
    expect(await rows()).toEqual([]);
  });

  it('edits the revision message of a revision-grouped Slack hook again, once per channel, even when it does not name the event', async () => {
    const presync: TargetEvent = {
      type: 'PreSync',
      application: 'guestbook',
      cluster: 'east',
      namespace: 'web',
      revision,
      counts: { created: 1, configured: 0, unchanged: 0, pruned: 0, skipped: 0, failed: 0 },
      failedObjects: [],
    };
    const grouped = [
      hook({ on: ['PreSync', 'PostSync', 'SyncFailed'], group: 'revision' }),
      hook({ on: ['PostSync'], group: 'revision' }),
      hook({ channel: 'ci-hook', on: ['PreSync', 'PostSync'], group: 'revision' }),
    ];
    await ds.transaction((tx) => outbox.enqueue(tx, grouped, presync));
    // the Slack message was posted; the webhook's summary waits for the last target
    await ds.manager.update(Delivery, { channel: 'ops-slack', kind: 'revision' }, { state: 'delivered', attempts: 1, slackTs: '1700000000.000100', nextAttemptAt: clock.now() });
    await clock.advance(60_000);

    const written = await ds.transaction((tx) => outbox.enqueueRollout(tx, grouped, { ...halted, type: 'WaveCompleted', state: 'Progressing' }));
    expect(written).toBe(1);
    const slack = await ds.manager.findOneByOrFail(Delivery, { channel: 'ops-slack', kind: 'revision' });
    expect(slack).toMatchObject({ state: 'pending', version: 1, attempts: 0, slackTs: '1700000000.000100', groupKey: `guestbook@${sha}` });
    const webhook = await ds.manager.findOneByOrFail(Delivery, { channel: 'ci-hook', kind: 'revision' });
    expect(webhook.version).toBe(0);
    expect(await ds.manager.countBy(Delivery, { kind: 'rollout' })).toBe(0);
  });

  it('a rollout of another revision leaves the revision message alone', async () => {
    await ds.transaction((tx) =>
      outbox.enqueue(tx, [hook({ on: ['PreSync'], group: 'revision' })], {
        type: 'PreSync',
        application: 'guestbook',
        cluster: 'east',
        namespace: 'web',
        revision,
        counts: { created: 0, configured: 0, unchanged: 0, pruned: 0, skipped: 0, failed: 0 },
        failedObjects: [],
      }),
    );
    const other = { ...halted, revision: { sha: 'f'.repeat(40), shortSha: 'fffffff' } };
    expect(await ds.transaction((tx) => outbox.enqueueRollout(tx, [hook({ on: ['PreSync', 'RolloutHalted'], group: 'revision' })], other))).toBe(1);
    expect((await ds.manager.findOneByOrFail(Delivery, { kind: 'revision' })).version).toBe(0);
  });
});
