import { Column, Entity, Index, PrimaryColumn } from 'typeorm';
import { ROLLOUT_EVENT_TYPES, type RolloutEventType } from './rollout-event';

/** The events of a target run or check: a TargetEvent's type. */
export const SYNC_HOOK_EVENTS = ['PreSync', 'PostSync', 'SyncFailed', 'HealthDegraded', 'DriftDetected'] as const;
export type HookEvent = (typeof SYNC_HOOK_EVENTS)[number];
/** Every event a hook may name in `on`: a target run's (TargetEvent) and a rollout's (RolloutEvent). */
export const HOOK_EVENTS = [...SYNC_HOOK_EVENTS, ...ROLLOUT_EVENT_TYPES] as const;
export type HookEventName = HookEvent | RolloutEventType;
export const DELIVERY_KINDS = ['target', 'revision', 'reply', 'test', 'gate', 'rollout'] as const;
export type DeliveryKind = (typeof DELIVERY_KINDS)[number];
export const DELIVERY_STATES = ['pending', 'delivered', 'failed'] as const;
export type DeliveryState = (typeof DELIVERY_STATES)[number];

/**
 * One message to one channel: a row of the outbox, written in the transaction of the change that
 * caused it, sent by the worker until delivered or failed for good. `id` is stable across retries
 * and redeliveries (the webhook id, the CloudEvent id), so receivers can drop duplicates.
 *
 * kind `target`: one event of one target run. kind `revision`: the running summary of one
 * (application, revision) across its targets — on Slack one message posted, then edited; on a
 * webhook one event once every target finished or the timeout passed. kind `reply`: a target's
 * failure as a reply in the revision message's Slack thread. kind `rollout`: one event of an
 * application's rollout (RolloutEvent), sent once like a target event.
 */
@Entity('deliveries')
@Index(['state', 'nextAttemptAt'])
@Index(['channel', 'createdAt'])
@Index(['channel', 'groupKey'])
export class Delivery {
  @PrimaryColumn({ type: 'varchar', length: 36 })
  id!: string;

  @Column({ type: 'varchar', length: 63 })
  channel!: string;

  @Column({ type: 'varchar', length: 16 })
  kind!: DeliveryKind;

  @Column({ type: 'varchar', length: 32 })
  event!: HookEventName | 'Revision' | 'Test';

  @Column({ type: 'varchar', length: 63, nullable: true })
  application!: string | null;

  /** revision deliveries: `<application>@<sha>`, the one row per channel that is edited and resent */
  @Column({ type: 'varchar', length: 160, nullable: true })
  groupKey!: string | null;

  /** what is sent: the event's fields (kind target/reply/rollout), or the group's identity (kind revision) */
  @Column({ type: 'simple-json' })
  payload!: Record<string, unknown>;

  @Column({ type: 'varchar', length: 16, default: 'pending' })
  state!: DeliveryState;

  @Column({ type: 'integer', default: 0 })
  attempts!: number;

  /** bumped whenever the outbox has news for this row: a send that read an older version leaves it pending */
  @Column({ type: 'integer', default: 0 })
  version!: number;

  /** epoch ms; the worker sends pending rows whose time has come */
  @Column({ type: 'integer' })
  nextAttemptAt!: number;

  @Column({ type: 'text', nullable: true })
  lastError!: string | null;

  /** the receiver's HTTP status of the last attempt, when there was one */
  @Column({ type: 'integer', nullable: true })
  lastStatus!: number | null;

  /** slack: the posted message (revision deliveries edit it; replies go to its thread) */
  @Column({ type: 'varchar', length: 64, nullable: true })
  slackTs!: string | null;

  /** epoch ms: orders the log and pages it exactly */
  @Column({ type: 'integer' })
  createdAt!: number;

  @Column({ type: 'datetime', nullable: true })
  deliveredAt!: Date | null;
}
