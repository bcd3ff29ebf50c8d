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

  @ApiProperty({ description: 'HMAC-SHA256 over prevHash and this entry, under a key derived from the secret key' })
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

  @ApiPropertyOptional({ type: 'integer', description: 'the first entry that was edited or removed (one past the end when entries were removed from it); absent when ok' })
  firstBadSeq?: number;

  @ApiPropertyOptional({
    description: 'why it failed when the chain alone does not say: the anchor or the checkpoint names an entry that is gone or differs',
    example: 'the anchor names entry 120, but the log ends at entry 97: entries were removed from its end',
  })
  reason?: string;

  @ApiPropertyOptional({
    type: 'integer',
    description: 'the seq of the checkpoint (audit.checkpointFile) the log was checked against; absent when none is configured or written yet',
  })
  checkpointSeq?: number;
}

/** The newest audit entry: record it outside Flotilla and pass it to /audit/verify later as `anchor=<seq>:<hash>`. */
export class AuditHeadView {
  @ApiProperty({ type: 'integer', description: 'seq of the newest entry; 0 while the log is empty', example: 97 })
  seq!: number;

  @ApiProperty({ description: "that entry's hash (64 zeros while the log is empty)", example: '9c41e0d25b7f3a8c6e1d0f4b2a7c9e8d3f5a1b6c0e2d4f7a9b8c1d3e5f7a0b2c' })
  hash!: string;
}

export function auditEntryView({ details, ...e }: AuditEntry): AuditEntryView {
  return { ...e, details: JSON.parse(details) as Record<string, unknown> };
}
