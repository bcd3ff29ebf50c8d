import { ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsInt, IsOptional, IsString, Matches, Max, MaxLength, Min } from 'class-validator';
import { DNS_LABEL } from '../../common/validation';

/** a piece of an application name, or a glob of a whole one: what a name filter may hold */
export const NAME_FILTER = /^[A-Za-z0-9*?-]{1,63}$/;
export const FLEET_PAGE_DEFAULT = 100;
export const FLEET_PAGE_MAX = 500;

export class FleetQuery {
  @ApiPropertyOptional({
    type: 'string',
    example: 'web',
    pattern: NAME_FILTER.source,
    maxLength: 63,
    description: 'applications whose name contains this (case-insensitive); with * or ?, a glob the whole name must match ("web-*")',
  })
  @IsOptional()
  @IsString()
  @MaxLength(63)
  @Matches(NAME_FILTER, { message: 'name must be part of an application name, or a glob of one with * and ?: letters, digits, "-", "*" and "?"' })
  name?: string;

  @ApiPropertyOptional({ type: 'string', example: 'team=web', maxLength: 4096, description: "label selector over the applications' labels" })
  @IsOptional()
  @IsString()
  @MaxLength(4096)
  selector?: string;

  @ApiPropertyOptional({
    type: 'string',
    example: 'env=prod,region in (eu,us)',
    maxLength: 4096,
    description: "label selector over the clusters' labels: only those clusters are columns and counted, and only applications with a target on one are rows",
  })
  @IsOptional()
  @IsString()
  @MaxLength(4096)
  clusterSelector?: string;

  @ApiPropertyOptional({ type: 'integer', default: FLEET_PAGE_DEFAULT, minimum: 1, maximum: FLEET_PAGE_MAX })
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(FLEET_PAGE_MAX)
  limit?: number;

  @ApiPropertyOptional({ type: 'string', maxLength: 63, description: 'nextCursor of the previous page (rows start after this application name)' })
  @IsOptional()
  @IsString()
  @MaxLength(63)
  @Matches(DNS_LABEL, { message: 'cursor must be a value returned as nextCursor' })
  cursor?: string;
}
