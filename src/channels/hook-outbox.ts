import { randomUUID } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import { Clock } from '../shared/clock';
import { Channel } from './channel.entity';
import { Delivery } from './delivery.entity';
import { REVISION_GROUPED_EVENTS, type Hook, type TargetEvent } from './hook-events';
import type { RolloutEvent } from './rollout-event';

/**
 * The outbox's writing side: turns one target or rollout event into delivery rows, inside the transaction
 * of the state change that caused it — so an event is never lost to a crash between the change
 * and the send, and never sent for a change that was rolled back. The worker sends them.
 */
@Injectable()
export class HookOutbox {
  constructor(private readonly clock: Clock) {}

  async enqueue(tx: EntityManager, hooks: readonly Hook[], event: TargetEvent): Promise<number> {
    let written = 0;
    for (const hook of hooks) {
      // a gate is called synchronously before the apply, not queued
      if (hook.gate || !hook.on.includes(event.type)) continue;
      if (hook.group === 'revision' && REVISION_GROUPED_EVENTS.includes(event.type)) written += await this.revision(tx, hook, event);
      else {
        await this.insert(tx, hook.channel, 'target', event.type, event.application, null, event as unknown as Record<string, unknown>);
        written++;
      }
    }
    return written;
  }

  /**
   * One row per hook that names the event, sent once (kind `rollout`). A `group: "revision"` hook
   * on Slack also gets its revision message edited again, as that message shows the waves — even
   * when the hook does not name this event (a wave completing after its soak is news to the
   * message, though no target ran). Returns the rows written: inserted, or reopened for an edit.
   */
  async enqueueRollout(tx: EntityManager, hooks: readonly Hook[], event: RolloutEvent): Promise<number> {
    let written = 0;
    const edited = new Set<string>();
    for (const hook of hooks) {
      if (hook.gate) continue;
      if (hook.on.includes(event.type)) {
        await this.insert(tx, hook.channel, 'rollout', event.type, event.application, null, event as unknown as Record<string, unknown>);
        written++;
      }
      if (hook.group === 'revision' && !edited.has(hook.channel)) {
        edited.add(hook.channel);
        written += await this.editRevisionMessage(tx, hook.channel, `${event.application}@${event.revision.sha}`);
      }
    }
    return written;
  }

  /**
   * A test message for `POST /channels/:name/test`: logged like any other delivery, sent at once
   * by the caller (its first attempt is not the worker's to take), retried by the worker if needed.
   */
  async test(tx: EntityManager, channel: string, actor: string): Promise<Delivery> {
    const id = await this.insert(tx, channel, 'test', 'Test', null, null, { message: `Test message from Flotilla, sent by ${actor}`, actor }, this.clock.now() + 3_600_000);
    return tx.findOneByOrFail(Delivery, { id });
  }

  /**
   * One row per (channel, application, revision), edited and sent again as targets finish: on
   * Slack the message is posted once and then updated; a failure also goes as a reply in its
   * thread. On a webhook the row waits until every target finished (the worker checks) or the
   * grouping times out, and is sent once.
   */
  private async revision(tx: EntityManager, hook: Hook, event: TargetEvent): Promise<number> {
    const groupKey = `${event.application}@${event.revision.sha}`;
    const channel = await tx.findOne(Channel, { where: { name: hook.channel }, select: { name: true, type: true } });
    if (!channel) return 0;
    const row = await tx.findOne(Delivery, { where: { channel: hook.channel, groupKey, kind: 'revision' } });
    const now = this.clock.now();
    let written = 0;
    if (!row) {
      // a webhook row is looked at now and then waits for the last target (or the timeout): the worker decides
      await this.insert(tx, hook.channel, 'revision', 'Revision', event.application, groupKey, { application: event.application, revision: event.revision });
      written++;
    } else if (channel.type === 'slack') {
      await this.reopen(tx, row);
    } else if (channel.type === 'webhook' && row.state === 'pending' && event.type !== 'PreSync') {
      // a target finished: the worker looks whether it was the last one
      await tx.update(Delivery, { id: row.id }, { nextAttemptAt: Math.min(row.nextAttemptAt, now), version: row.version + 1 });
    }
    if (channel.type === 'slack' && event.type === 'SyncFailed') {
      await this.insert(tx, hook.channel, 'reply', event.type, event.application, groupKey, event as unknown as Record<string, unknown>);
      written++;
    }
    return written;
  }

  /** The channel's Slack revision message for `groupKey`, edited again; 1 when there is one. */
  private async editRevisionMessage(tx: EntityManager, channel: string, groupKey: string): Promise<number> {
    const c = await tx.findOne(Channel, { where: { name: channel }, select: { name: true, type: true } });
    if (c?.type !== 'slack') return 0;
    const row = await tx.findOne(Delivery, { where: { channel, groupKey, kind: 'revision' } });
    if (!row) return 0;
    await this.reopen(tx, row);
    return 1;
  }

  /** News for a Slack revision message: edit it again, even when a send is under way (its version is older). */
  private async reopen(tx: EntityManager, row: Delivery): Promise<void> {
    await tx.update(
      Delivery,
      { id: row.id },
      {
        state: 'pending',
        nextAttemptAt: Math.min(row.nextAttemptAt, this.clock.now()),
        version: row.version + 1,
        ...(row.state === 'pending' ? {} : { attempts: 0, lastError: null }),
      },
    );
  }

  private async insert(
    tx: EntityManager,
    channel: string,
    kind: Delivery['kind'],
    event: Delivery['event'],
    application: string | null,
    groupKey: string | null,
    payload: Record<string, unknown>,
    at = this.clock.now(),
  ): Promise<string> {
    const id = randomUUID();
    await tx.insert(Delivery, {
      id,
      channel,
      kind,
      event,
      application,
      groupKey,
      payload,
      state: 'pending',
      attempts: 0,
      version: 0,
      nextAttemptAt: at,
      lastError: null,
      lastStatus: null,
      slackTs: null,
      deliveredAt: null,
      createdAt: this.clock.now(),
    } as never);
    return id;
  }
}
