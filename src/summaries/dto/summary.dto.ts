import { ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsInt, IsOptional, IsString, Matches, Max, MaxLength, Min } from 'class-validator';
import { DNS_LABEL } from '../../common/validation';
import { DEFAULT_HOURS, MAX_HOURS } from '../time-range';

/** The window of a summary: the last `hours`, up to 30 days. */
export class SummaryRangeQuery {
  @ApiPropertyOptional({
    type: 'integer',
    default: DEFAULT_HOURS,
    minimum: 1,
    maximum: MAX_HOURS,
    description: 'the window: the last this many hours (the bucket size follows: 1 h → minutes, 24 h → hours, 30 days → days)',
  })
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(MAX_HOURS)
  hours?: number;
}

export class ApplicationRunsSummaryQuery extends SummaryRangeQuery {
  @ApiPropertyOptional({ type: 'string', maxLength: 63, pattern: DNS_LABEL.source, description: 'only the runs on this cluster (with namespace: of one target)' })
  @IsOptional()
  @IsString()
  @MaxLength(63)
  @Matches(DNS_LABEL, { message: 'cluster must be a cluster name (a DNS-1123 label)' })
  cluster?: string;

  @ApiPropertyOptional({ type: 'string', maxLength: 253, description: 'only the runs in this namespace' })
  @IsOptional()
  @IsString()
  @MaxLength(253)
  namespace?: string;

  @ApiPropertyOptional({ type: 'integer', default: 500, minimum: 1, maximum: 2000, description: 'at most this many runs, the newest' })
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(2000)
  limit?: number;
}
