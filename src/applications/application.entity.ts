import { Column, CreateDateColumn, Entity, PrimaryColumn, UpdateDateColumn } from 'typeorm';
import type { Hook } from '../channels/hook-events';
import type { IgnoreRule } from '../engine';
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
  /** apply (default), or reportOnly: plan and diff, never write */
  mode?: SyncMode;
  /** what drift on fields not ignored does; absent (rows stored before it existed): from selfHeal */
  onDrift?: OnDrift;
}

export const SYNC_MODES = ['apply', 'reportOnly'] as const;
export type SyncMode = (typeof SYNC_MODES)[number];
export const ON_DRIFT = ['heal', 'report', 'stopApplying'] as const;
export type OnDrift = (typeof ON_DRIFT)[number];

/** What drift does for this policy: onDrift, or for policies stored before it existed, selfHeal. */
export function onDriftOf(p: SyncPolicy): OnDrift {
  return p.onDrift ?? (p.selfHeal ? 'heal' : 'report');
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

  /** drift rules: fields of matching objects left alone (the global sync.ignoreDifferences apply too) */
  @Column({ type: 'simple-json', default: '[]' })
  ignoreDifferences!: IgnoreRule[];

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
