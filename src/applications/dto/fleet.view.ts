import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { CLUSTER_PHASES, type ClusterPhase } from '../../clusters/cluster.entity';

const LABELS = { type: 'object', additionalProperties: { type: 'string' } } as const;

/** Targets by sync and by health, as an application's status summary counts them (leaving targets excluded). */
export class FleetCountsView {
  @ApiProperty({ type: 'integer' }) targets!: number;
  @ApiProperty({ type: 'integer' }) synced!: number;
  @ApiProperty({ type: 'integer' }) outOfSync!: number;
  @ApiProperty({ type: 'integer', description: 'sync Unknown' }) unknown!: number;
  @ApiProperty({ type: 'integer' }) healthy!: number;
  @ApiProperty({ type: 'integer' }) progressing!: number;
  @ApiProperty({ type: 'integer' }) degraded!: number;
  @ApiProperty({ type: 'integer' }) suspended!: number;
  @ApiProperty({ type: 'integer' }) missing!: number;
}

/**
 * One application on one cluster. Counts that are 0 are left out (a matrix of 1,000 × 100 cells
 * is mostly ones and zeros); `targets` is always there.
 */
export class FleetCellView {
  @ApiProperty({ type: 'integer', minimum: 1 }) targets!: number;
  @ApiPropertyOptional({ type: 'integer' }) synced?: number;
  @ApiPropertyOptional({ type: 'integer' }) outOfSync?: number;
  @ApiPropertyOptional({ type: 'integer', description: 'sync Unknown' }) unknown?: number;
  @ApiPropertyOptional({ type: 'integer' }) healthy?: number;
  @ApiPropertyOptional({ type: 'integer' }) progressing?: number;
  @ApiPropertyOptional({ type: 'integer' }) degraded?: number;
  @ApiPropertyOptional({ type: 'integer' }) suspended?: number;
  @ApiPropertyOptional({ type: 'integer' }) missing?: number;
  @ApiPropertyOptional({ type: 'integer', description: "targets the application's current rollout has not released yet" }) waiting?: number;
  @ApiPropertyOptional({ type: 'string', description: 'with waiting: the first wave they wait for' }) wave?: string;
  @ApiProperty({ type: [String], description: 'the namespaces of the targets, sorted' }) namespaces!: string[];
}

export class FleetRowView {
  @ApiProperty({ example: 'web' }) name!: string;
  @ApiProperty({ ...LABELS, example: { team: 'web' } }) labels!: Record<string, string>;
  @ApiProperty({ type: FleetCountsView, description: "the application's targets on the selected clusters" }) counts!: FleetCountsView;
  @ApiProperty({
    type: 'object',
    additionalProperties: { $ref: '#/components/schemas/FleetCellView' },
    description: 'by cluster name; a cluster where the application has no target is left out',
  })
  cells!: Record<string, FleetCellView>;
}

export class FleetClusterView {
  @ApiProperty({ example: 'prod-eu' }) name!: string;
  @ApiProperty({ ...LABELS, example: { env: 'prod', region: 'eu' } }) labels!: Record<string, string>;
  @ApiProperty({ enum: CLUSTER_PHASES, enumName: 'ClusterPhase' }) phase!: ClusterPhase;
  @ApiProperty({ type: String, nullable: true }) message!: string | null;
  @ApiProperty({ type: FleetCountsView, description: 'targets of every matching application on this cluster' }) counts!: FleetCountsView;
}

export class FleetView {
  @ApiProperty({ type: [FleetClusterView], description: 'the columns, once: the clusters the cluster selector matches, by name' })
  clusters!: FleetClusterView[];

  @ApiProperty({ type: [FleetRowView], description: 'one row per application, by name' })
  items!: FleetRowView[];

  @ApiProperty({ type: 'integer', description: 'applications matching the filters, on every page' })
  total!: number;

  @ApiProperty({ type: FleetCountsView, description: 'targets of every matching application on the selected clusters' })
  totals!: FleetCountsView;

  @ApiProperty({ type: String, nullable: true, description: 'pass as cursor for the next page; null on the last' })
  nextCursor!: string | null;
}
