import { Column, Entity, Index, PrimaryGeneratedColumn } from 'typeorm';
import type { HealthStatus, Inventory } from '../engine';
import { PRIORITY } from './queue-rules';

export const SYNC_STATUSES = ['Synced', 'OutOfSync', 'Unknown'] as const;
export type SyncStatus = (typeof SYNC_STATUSES)[number];
export const TRIGGERS = ['schedule', 'webhook', 'manual', 'selfHeal', 'rollback'] as const;
export type Trigger = (typeof TRIGGERS)[number];

export interface AppliedCommit {
  sha: string;
  shortSha: string;
  subject: string;
  author: string;
}

/** One resource of a target as last seen: from the last run, refreshed by interval checks. */
export interface ResourceStatus {
  group: string;
  version: string;
  kind: string;
  namespace?: string;
  name: string;
  sync: SyncStatus;
  health: HealthStatus;
  message?: string;
}

/**
 * Where an application is deployed — (application, cluster, namespace) — and the reconcile queue's
 * entry for it: the row is due when `dueAt` has passed, claimed by setting a lease, and carries
 * the trigger that arrived since the last run (several coalesce into one). Written only by the
 * Targets store (targets.ts).
 */
@Entity('targets')
@Index(['application', 'cluster', 'namespace'], { unique: true })
@Index(['dueAt'])
@Index(['cluster'])
// the fleet's counts by cluster, sync and health, from the index alone (GET /api/v1/fleet)
@Index('IDX_targets_fleet_counts', ['cluster', 'sync', 'health', 'leaving', 'application'])
export class TargetRow {
  @PrimaryGeneratedColumn()
  id!: number;

  @Column({ type: 'varchar', length: 63 })
  application!: string;

  @Column({ type: 'varchar', length: 63 })
  cluster!: string;

  /** the rendered namespace; when `problem` is set, possibly the template text as written */
  @Column({ type: 'varchar', length: 255 })
  namespace!: string;

  /** the rendered repository path */
  @Column({ type: 'varchar', length: 1024 })
  path!: string;

  /** how the path was last rendered: plain, kustomize or helm */
  @Column({ type: 'varchar', length: 16, nullable: true })
  renderer!: string | null;

  /** why this target cannot be synced as defined (a template that does not render for the cluster) */
  @Column({ type: 'text', nullable: true })
  problem!: string | null;

  /** left the fan-out: its objects are being pruned, then the row goes */
  @Column({ type: 'boolean', default: false })
  leaving!: boolean;

  @Column({ type: 'varchar', length: 64, nullable: true })
  desiredRevision!: string | null;

  /** with a rollout: the SHA the rollout lets this target hold (null: what it holds, or nothing yet) */
  @Column({ type: 'varchar', length: 64, nullable: true })
  releasedRevision!: string | null;

  /** epoch ms since the target's cluster stopped answering its runs and checks; null: it answers */
  @Column({ type: 'integer', nullable: true })
  unreachableSince!: number | null;

  /** SHA applied by the last successful run */
  @Column({ type: 'varchar', length: 64, nullable: true })
  revision!: string | null;

  /** that commit's subject and author, for status and notifications */
  @Column({ type: 'simple-json', nullable: true })
  commit!: AppliedCommit | null;

  @Column({ type: 'varchar', length: 16, default: 'Unknown' })
  sync!: SyncStatus;

  @Column({ type: 'varchar', length: 16, default: 'Unknown' })
  health!: HealthStatus;

  @Column({ type: 'text', nullable: true })
  message!: string | null;

  @Column({ type: 'simple-json' })
  inventory!: Inventory;

  @Column({ type: 'simple-json' })
  resources!: ResourceStatus[];

  @Column({ type: 'integer', nullable: true })
  lastRunId!: number | null;

  /** epoch ms when the queue should next look at this target */
  @Column({ type: 'integer' })
  dueAt!: number;

  /** the queue's order (queue-rules.ts PRIORITY): urgent manual/webhook/rollback/new revision, soon self-heal and joins, periodic */
  @Column({ type: 'integer', default: PRIORITY.periodic })
  priority!: number;

  /** a run was asked for (and why); cleared when a run claims it */
  @Column({ type: 'varchar', length: 16, nullable: true })
  pendingTrigger!: Trigger | null;

  @Column({ type: 'varchar', length: 128, nullable: true })
  pendingActor!: string | null;

  /** a manual sync's revision and prune override, for the pending run only */
  @Column({ type: 'varchar', length: 255, nullable: true })
  pendingRevision!: string | null;

  @Column({ type: 'boolean', nullable: true })
  pendingPrune!: boolean | null;

  /** a run succeeded while its objects were still Progressing: PostSync waits for health since then (epoch ms) */
  @Column({ type: 'integer', nullable: true })
  awaitingHealthSince!: number | null;

  /** in a drift episode (DriftDetected is sent once per episode) */
  @Column({ type: 'boolean', default: false })
  drifting!: boolean;

  /** failed runs in a row; drives the backoff */
  @Column({ type: 'integer', default: 0 })
  failures!: number;

  /** who holds the lease, and until when (epoch ms) */
  @Column({ type: 'varchar', length: 64, nullable: true })
  owner!: string | null;

  @Column({ type: 'integer', nullable: true })
  leaseExpiresAt!: number | null;
}
