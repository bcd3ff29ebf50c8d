import { Column, Entity, Index, PrimaryGeneratedColumn } from 'typeorm';
import type { ChangeAction } from '../engine';
import type { Trigger } from './target.entity';

export const RUN_PHASES = ['Running', 'Succeeded', 'Failed', 'Blocked', 'Interrupted'] as const;
export type RunPhase = (typeof RUN_PHASES)[number];

/** One change of a run as kept in history (diffs are not kept). */
export interface RunChange {
  group: string;
  version: string;
  kind: string;
  namespace?: string;
  name: string;
  action: ChangeAction;
  message?: string;
}

/** One sync of one target (SPEC §3 step 9), written when it starts and when it ends. */
@Entity('sync_runs')
@Index(['application', 'id'])
@Index(['targetId', 'id'])
@Index(['phase'])
// the summaries' time windows (src/summaries): covering for runs by phase per bucket
@Index(['startedAt', 'phase'])
export class SyncRun {
  @PrimaryGeneratedColumn()
  id!: number;

  @Column({ type: 'integer' })
  targetId!: number;

  @Column({ type: 'varchar', length: 63 })
  application!: string;

  @Column({ type: 'varchar', length: 63 })
  cluster!: string;

  @Column({ type: 'varchar', length: 255 })
  namespace!: string;

  @Column({ type: 'varchar', length: 64, nullable: true })
  revision!: string | null;

  @Column({ type: 'varchar', length: 16 })
  trigger!: Trigger;

  @Column({ type: 'varchar', length: 128 })
  actor!: string;

  @Column({ type: 'varchar', length: 16 })
  phase!: RunPhase;

  @Column({ type: 'datetime' })
  startedAt!: Date;

  @Column({ type: 'datetime', nullable: true })
  finishedAt!: Date | null;

  @Column({ type: 'simple-json', nullable: true })
  counts!: Record<ChangeAction, number> | null;

  @Column({ type: 'text', nullable: true })
  message!: string | null;

  /** kept for the newest runs of each target only */
  @Column({ type: 'simple-json', nullable: true })
  changes!: RunChange[] | null;
}
