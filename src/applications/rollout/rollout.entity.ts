import { Column, Entity, Index, PrimaryGeneratedColumn } from 'typeorm';
import type { LabelSelectorObject } from '../../shared/label-selector';

/** `rollout` on an application, as stored with its defaults filled (SPEC §1 Rollouts). */
export interface RolloutSpec {
  waves: WaveSpec[];
  /** `cluster.labels.KEY`: order inside a wave by that label's value, then by cluster name */
  orderBy: string | null;
  onFailure: 'halt' | 'rollback';
  unreachableSeconds: number;
  unreachable: 'halt' | 'skip';
}

export interface WaveSpec {
  name: string;
  clusterSelector?: LabelSelectorObject;
  clusters?: string[];
  /** targets of the wave released and not yet Healthy at once: a count, or a percentage of the wave ("25%") */
  maxParallel: number | string | null;
  soakSeconds: number;
  approval: boolean;
}

export const ROLLOUT_STATES = ['Progressing', 'Paused', 'AwaitingApproval', 'Halted', 'RollingBack', 'Completed', 'Superseded', 'RolledBack'] as const;
export type RolloutState = (typeof ROLLOUT_STATES)[number];
/** states in which the rollout still does something on its own */
export const ACTIVE_STATES: readonly RolloutState[] = ['Progressing', 'AwaitingApproval', 'RollingBack'];
export const FINAL_STATES: readonly RolloutState[] = ['Completed', 'Superseded', 'RolledBack'];

export const WAVE_STATES = ['Pending', 'AwaitingApproval', 'Progressing', 'Soaking', 'Completed', 'Halted', 'RollingBack', 'RolledBack'] as const;
export type WaveState = (typeof WAVE_STATES)[number];

export const ROLLOUT_TARGET_STATES = ['Waiting', 'Syncing', 'Healthy', 'Failed', 'Unreachable', 'Skipped', 'RollingBack', 'RolledBack'] as const;
export type RolloutTargetState = (typeof ROLLOUT_TARGET_STATES)[number];

/** One target's part in a rollout. */
export interface RolloutTarget {
  cluster: string;
  namespace: string;
  state: RolloutTargetState;
  /** the SHA it held when released (what a rollback puts back); null: it held nothing */
  from: string | null;
  /** epoch ms it was released to the rollout's revision (or, rolling back, to `from`) */
  releasedAt: number | null;
  /** its last run's id when released: only a later run counts for the wave */
  afterRunId: number | null;
  /** epoch ms it was first seen unreachable in this episode */
  unreachableSince: number | null;
  message: string | null;
}

export interface WaveProgress {
  name: string;
  state: WaveState;
  targets: RolloutTarget[];
  startedAt: number | null;
  finishedAt: number | null;
  /** every target Healthy since (epoch ms): the soak clock */
  soakStartedAt: number | null;
  approvedBy: string | null;
  promotedBy: string | null;
  /** RolloutAwaitingApproval was sent */
  announced: boolean;
}

/**
 * One rollout: a run of one revision of one application through its waves. The newest row of an
 * application is its current rollout; older rows are its history (Completed, Superseded, …).
 */
@Entity('rollouts')
@Index('IDX_rollouts_application_id', ['application', 'id'])
export class Rollout {
  @PrimaryGeneratedColumn()
  id!: number;

  @Column({ type: 'varchar', length: 63 })
  application!: string;

  /** the commit SHA the rollout moves targets to */
  @Column({ type: 'varchar', length: 64 })
  revision!: string;

  @Column({ type: 'varchar', length: 16 })
  state!: RolloutState;

  /** what started it (webhook, schedule, rollback, manual) and who */
  @Column({ type: 'varchar', length: 16 })
  trigger!: string;

  @Column({ type: 'varchar', length: 128 })
  actor!: string;

  /** the definition it runs with (a changed definition applies to the next rollout) */
  @Column({ type: 'simple-json' })
  spec!: RolloutSpec;

  @Column({ type: 'simple-json' })
  waves!: WaveProgress[];

  /** why it halted, was superseded, paused or rolled back, in words */
  @Column({ type: 'text', nullable: true })
  message!: string | null;

  /** the target that halted it */
  @Column({ type: 'simple-json', nullable: true })
  haltedTarget!: { cluster: string; namespace: string } | null;

  @Column({ type: 'integer', nullable: true })
  supersededBy!: number | null;

  @Column({ type: 'integer', nullable: true })
  supersedes!: number | null;

  /** epoch ms */
  @Column({ type: 'integer' })
  startedAt!: number;

  @Column({ type: 'integer', nullable: true })
  finishedAt!: number | null;

  @Column({ type: 'integer' })
  updatedAt!: number;
}
