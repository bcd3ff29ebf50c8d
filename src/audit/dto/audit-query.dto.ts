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
  @IsOptional() @Type(() => Number) @IsInt() @Min(1) @Max(500)
  limit?: number;

  @ApiPropertyOptional({ description: 'nextCursor of the previous page' })
  @IsOptional() @Matches(/^[1-9][0-9]{0,15}$/, { message: 'cursor must be a value returned as nextCursor' })
  cursor?: string;
}
