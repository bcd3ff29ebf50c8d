import { Column, CreateDateColumn, Entity, PrimaryColumn, UpdateDateColumn } from 'typeorm';
import type { Hook } from '../channels/hook-events';
import type { Destination } from './fan-out';
import type { RolloutSpec } from './rollout/rollout.entity';
import type { SyncWindow } from '../shared/sync-windows';

/** syncPolicy as stored: every field filled with its default */
export interface SyncPolicy {
  automated: boolean;
  prune: boolean;
  selfHeal: boolean;
  intervalSeconds: number;
  /** apply objects that exist without a Flotilla tracking id (recorded as adopted) */
  adopt?: boolean;
  /** prune adopted objects too when they leave git */
  pruneAdopted?: boolean;
  /** cluster-scoped kinds it may apply; default ["Namespace"], ["*"] for all */
  clusterResources?: string[];
}

/** An application: one repository path fanned out to cluster/namespace targets. */
@Entity('applications')
export class Application {
  @PrimaryColumn({ type: 'varchar', length: 63 })
  name!: string;

  @Column({ type: 'simple-json' })
  labels!: Record<string, string>;

  @Column({ type: 'varchar', length: 63 })
  repository!: string;

  @Column({ type: 'varchar', length: 1024 })
  path!: string;

  /** branch, tag or SHA as the user set it; null: the repository's branch */
  @Column({ type: 'varchar', length: 255, nullable: true })
  revision!: string | null;

  @Column({ type: 'simple-json' })
  destinations!: Destination[];

  @Column({ type: 'simple-json' })
  syncPolicy!: SyncPolicy;

  /** for a Helm chart: value files (inside the chart) and inline values, which may use {{cluster.…}} */
  @Column({ type: 'simple-json', nullable: true })
  helm!: { valueFiles?: string[]; values?: Record<string, unknown> } | null;

  /** pre/post-sync notifications and gates (SPEC §1, §4) */
  @Column({ type: 'simple-json', default: '[]' })
  hooks!: Hook[];

  /** progressive rollout through waves (SPEC §1 Rollouts); null: every target at once */
  @Column({ type: 'simple-json', nullable: true })
  rollout!: RolloutSpec | null;

  /** when automated syncs may run (SPEC §1 windows); the global sync.windows apply too */
  @Column({ type: 'simple-json', default: '[]' })
  syncWindows!: SyncWindow[];

  /** set by a rollback: every target stays at this SHA until someone sets `revision` again */
  @Column({ type: 'varchar', length: 64, nullable: true })
  pinnedRevision!: string | null;

  @Column({ type: 'integer', nullable: true })
  pinnedSyncRunId!: number | null;

  @Column({ type: 'datetime', nullable: true })
  pinnedAt!: Date | null;

  /** a cascade deletion is under way: targets are being emptied, then the row goes */
  @Column({ type: 'datetime', nullable: true })
  deletingSince!: Date | null;

  @CreateDateColumn({ type: 'datetime' })
  createdAt!: Date;

  @UpdateDateColumn({ type: 'datetime' })
  updatedAt!: Date;
}
