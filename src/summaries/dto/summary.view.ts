import { ApiProperty } from '@nestjs/swagger';
import { RUN_PHASES, type RunPhase } from '../../applications/sync-run.entity';
import { TRIGGERS, type Trigger } from '../../applications/target.entity';
import { HEALTH_STATUSES, type HealthStatus } from '../../engine';

/** The window every summary answers for, and how it is cut. */
export class SummaryWindowView {
  @ApiProperty({ type: 'integer', description: 'the hours asked for' }) hours!: number;
  @ApiProperty({ type: String, format: 'date-time', description: "the first bucket's start, at or before now − hours" }) from!: Date;
  @ApiProperty({ type: String, format: 'date-time', description: 'now' }) to!: Date;
  @ApiProperty({ type: 'integer', description: 'the width of a bucket' }) bucketSeconds!: number;
}

export class RunPhaseCountsView {
  @ApiProperty({ type: 'integer' }) Running!: number;
  @ApiProperty({ type: 'integer' }) Succeeded!: number;
  @ApiProperty({ type: 'integer' }) Failed!: number;
  @ApiProperty({ type: 'integer' }) Blocked!: number;
  @ApiProperty({ type: 'integer' }) Interrupted!: number;
}

export class RunsBucketView {
  @ApiProperty({ type: String, format: 'date-time' }) start!: Date;
  @ApiProperty({ type: RunPhaseCountsView, description: 'runs that started in the bucket, by their phase now' }) phases!: RunPhaseCountsView;
  @ApiProperty({ type: 'integer' }) total!: number;
}

export class RunsSummaryView extends SummaryWindowView {
  @ApiProperty({ type: [RunsBucketView], description: 'every bucket of the window, oldest first, empty ones included' }) buckets!: RunsBucketView[];
}

export class HealthCountsView {
  @ApiProperty({ type: 'integer' }) Healthy!: number;
  @ApiProperty({ type: 'integer' }) Progressing!: number;
  @ApiProperty({ type: 'integer' }) Degraded!: number;
  @ApiProperty({ type: 'integer' }) Suspended!: number;
  @ApiProperty({ type: 'integer' }) Missing!: number;
  @ApiProperty({ type: 'integer' }) Unknown!: number;
}

export class HealthBucketView {
  @ApiProperty({ type: String, format: 'date-time' }) start!: Date;
  @ApiProperty({
    type: HealthCountsView,
    nullable: true,
    description: "targets by health at the bucket's end (for the current bucket: now), from the last sample before it; null before the first sample",
  })
  health!: HealthCountsView | null;
}

export class HealthSummaryView extends SummaryWindowView {
  @ApiProperty({ type: [HealthBucketView], description: 'every bucket of the window, oldest first' }) buckets!: HealthBucketView[];
}

export class RunPointView {
  @ApiProperty({ type: 'integer' }) id!: number;
  @ApiProperty() cluster!: string;
  @ApiProperty() namespace!: string;
  @ApiProperty({ enum: RUN_PHASES, enumName: 'SyncRunPhase' }) phase!: RunPhase;
  @ApiProperty({ enum: TRIGGERS, enumName: 'SyncTrigger' }) trigger!: Trigger;
  @ApiProperty({ type: String, format: 'date-time' }) startedAt!: Date;
  @ApiProperty({ type: 'integer', nullable: true, description: 'finishedAt − startedAt; null while Running' }) durationMs!: number | null;
}

export class ApplicationRunsSummaryView extends SummaryWindowView {
  @ApiProperty({ type: [RunPointView], description: 'the runs that started in the window, newest first, at most `limit`' }) runs!: RunPointView[];
  @ApiProperty({ description: 'more runs started in the window than `limit`: the oldest are left out' }) truncated!: boolean;
}

export class DeliveriesBucketView {
  @ApiProperty({ type: String, format: 'date-time' }) start!: Date;
  @ApiProperty({ type: 'integer', description: 'deliveries created in the bucket' }) total!: number;
  @ApiProperty({ type: 'integer' }) delivered!: number;
  @ApiProperty({ type: 'integer', description: 'failed for good' }) failed!: number;
  @ApiProperty({ type: 'integer', description: 'still being tried' }) pending!: number;
  @ApiProperty({ type: 'integer', nullable: true, description: 'median time from the event to its delivery (lower median); null when none was delivered' })
  latencyP50Ms!: number | null;
  @ApiProperty({ type: 'integer', nullable: true }) latencyMaxMs!: number | null;
}

export class DeliveriesSummaryView extends SummaryWindowView {
  @ApiProperty({ type: [DeliveriesBucketView], description: 'every bucket of the window, oldest first, empty ones included' }) buckets!: DeliveriesBucketView[];
}

/** zero of each phase / health, in the order of the lists */
export const noRuns = (): Record<RunPhase, number> => Object.fromEntries(RUN_PHASES.map((p) => [p, 0])) as Record<RunPhase, number>;
export const noHealth = (): Record<HealthStatus, number> => Object.fromEntries(HEALTH_STATUSES.map((h) => [h, 0])) as Record<HealthStatus, number>;
