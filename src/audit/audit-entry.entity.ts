import { Column, Entity, Index, PrimaryColumn } from 'typeorm';

/**
 * One audit record. Append-only: `hash = HMAC-SHA256(key, prevHash ‖ canonical JSON of the other
 * fields)` (audit-chain.ts; the key is derived from the secret key, never stored here), so editing
 * or removing any row breaks the chain from there on (`/audit/verify`), and nobody holding only
 * the database can recompute it.
 */
@Entity('audit_entries')
@Index(['actor', 'seq'])
@Index(['action', 'seq'])
@Index(['subject', 'seq'])
export class AuditEntry {
  /** position in the chain, 1-based, no gaps */
  @PrimaryColumn({ type: 'integer' })
  seq!: number;

  /** ISO-8601 UTC */
  @Column({ type: 'varchar', length: 32 })
  at!: string;

  @Column({ type: 'varchar', length: 128 })
  actor!: string;

  @Column({ type: 'varchar', length: 16, nullable: true })
  role!: string | null;

  @Column({ type: 'varchar', length: 64 })
  action!: string;

  @Column({ type: 'varchar', length: 256, nullable: true })
  subject!: string | null;

  /** success | failure | denied | … */
  @Column({ type: 'varchar', length: 32 })
  outcome!: string;

  @Column({ type: 'varchar', length: 64, nullable: true })
  sourceAddress!: string | null;

  @Column({ type: 'varchar', length: 128, nullable: true })
  requestId!: string | null;

  /** canonical JSON, secrets redacted */
  @Column({ type: 'text' })
  details!: string;

  @Column({ type: 'varchar', length: 64, unique: true })
  prevHash!: string;

  @Column({ type: 'varchar', length: 64, unique: true })
  hash!: string;
}
