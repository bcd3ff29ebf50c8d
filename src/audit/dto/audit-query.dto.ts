import { ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsDateString, IsInt, IsOptional, IsString, Matches, Max, MaxLength, Min } from 'class-validator';

export class AuditQueryDto {
  @ApiPropertyOptional() @IsOptional() @IsString() @MaxLength(128) actor?: string;
  @ApiPropertyOptional({ example: 'clusters.create' }) @IsOptional() @IsString() @MaxLength(64) action?: string;
  @ApiPropertyOptional() @IsOptional() @IsString() @MaxLength(256) subject?: string;
  @ApiPropertyOptional({ format: 'date-time', description: 'ISO-8601, inclusive' }) @IsOptional() @IsDateString() since?: string;
  @ApiPropertyOptional({ format: 'date-time', description: 'ISO-8601, exclusive' }) @IsOptional() @IsDateString() until?: string;

  @ApiPropertyOptional({ type: 'integer', default: 100, minimum: 1, maximum: 500 })
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(500)
  limit?: number;

  @ApiPropertyOptional({ description: 'nextCursor of the previous page' })
  @IsOptional()
  @Matches(/^[1-9][0-9]{0,15}$/, { message: 'cursor must be a value returned as nextCursor' })
  cursor?: string;
}

export class AuditVerifyQueryDto {
  @ApiPropertyOptional({
    description: 'an earlier GET /audit/head as `<seq>:<hash>`: verification also fails when that entry is gone or differs',
    example: '97:9c41e0d25b7f3a8c6e1d0f4b2a7c9e8d3f5a1b6c0e2d4f7a9b8c1d3e5f7a0b2c',
  })
  @IsOptional()
  @Matches(/^(0:0{64}|[1-9][0-9]{0,15}:[0-9a-f]{64})$/, { message: 'anchor must be <seq>:<hash> as GET /api/v1/audit/head answers it' })
  anchor?: string;
}
