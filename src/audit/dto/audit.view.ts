import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { AuditEntry } from '../audit-entry.entity';

export class AuditEntryView {
  @ApiProperty({ type: 'integer', description: 'position in the chain, from 1, without gaps' })
  seq!: number;

  @ApiProperty({ format: 'date-time' })
  at!: string;

  @ApiProperty({ description: 'token name, "anonymous", "webhook:<forge>" or "flotilla"', example: 'ci-deployer' })
  actor!: string;

  @ApiProperty({ type: String, nullable: true, description: "the actor's role, when it has one", example: 'admin' })
  role!: string | null;

  @ApiProperty({ example: 'clusters.create' })
  action!: string;

  @ApiProperty({ type: String, nullable: true, example: 'prod-eu' })
  subject!: string | null;

  @ApiProperty({ example: 'success' })
  outcome!: string;

  @ApiProperty({ type: String, nullable: true })
  sourceAddress!: string | null;

  @ApiProperty({ type: String, nullable: true })
  requestId!: string | null;

  @ApiProperty({ type: 'object', additionalProperties: true, description: 'what was done, secret fields redacted' })
  details!: Record<string, unknown>;

  @ApiProperty({ description: 'hash of the entry before; 64 zeros for the first' })
  prevHash!: string;

  @ApiProperty({ description: 'HMAC over prevHash and this entry' })
  hash!: string;
}

export class AuditPageView {
  @ApiProperty({ type: [AuditEntryView], description: 'newest first' })
  items!: AuditEntryView[];

  @ApiProperty({ type: String, nullable: true, description: 'pass as cursor for the next page; null on the last page' })
  nextCursor!: string | null;
}

export class AuditVerificationView {
  @ApiProperty({ description: 'true when every entry fits the chain' })
  ok!: boolean;

  @ApiProperty({ type: 'integer', description: 'entries that fit, from the first' })
  entries!: number;

  @ApiPropertyOptional({ type: 'integer', description: 'the first entry that does not fit; absent when ok' })
  firstBadSeq?: number;
}

export function auditEntryView({ details, ...e }: AuditEntry): AuditEntryView {
  return { ...e, details: JSON.parse(details) as Record<string, unknown> };
}
