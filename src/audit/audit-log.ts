import { createHash } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import { Clock } from '../shared/clock';
import { requestContext } from '../common/logging/request-context';
import { Database } from '../database/database';
import { redactSecretFields } from '../shared/secret-fields';
import { AuditEntry } from './audit-entry.entity';
import { canonicalJson } from './canonical-json';

export const GENESIS_HASH = '0'.repeat(64);

export interface AuditRecord {
  actor: string;
  role?: string | null;
  action: string;
  subject?: string | null;
  outcome: string;
  /** anything useful; secret fields are redacted before it is written */
  details?: unknown;
}

export interface AuditQuery {
  actor?: string;
  action?: string;
  subject?: string;
  since?: Date;
  until?: Date;
  limit: number;
  /** the seq of the last entry of the previous page */
  cursor?: number;
}

type Hashed = Omit<AuditEntry, 'hash'>;

export function entryHash(e: Hashed): string {
  const { prevHash, ...fields } = e;
  return createHash('sha256').update(prevHash).update(canonicalJson(fields)).digest('hex');
}

/** The one writer of the audit log; every part of Flotilla calls `record`. */
@Injectable()
export class AuditLog {
  constructor(
    private readonly db: Database,
    private readonly clock: Clock,
  ) {}

  /**
   * Appends one entry. Runs inside the serialised write queue, so the read of the chain's head
   * and the insert are atomic with respect to every other writer: concurrent callers cannot fork
   * the chain (and `prevHash` is unique in the schema should anything try).
   */
  record(r: AuditRecord): Promise<AuditEntry> {
    const ctx = requestContext.getStore();
    const at = this.clock.date().toISOString();
    const details = canonicalJson(redactSecretFields(r.details ?? {}));
    return this.db.write(async (tx) => {
      const repo = tx.getRepository(AuditEntry);
      const [head] = await repo.find({ select: { seq: true, hash: true }, order: { seq: 'DESC' }, take: 1 });
      const entry: Hashed = {
        seq: (head?.seq ?? 0) + 1,
        at,
        actor: r.actor,
        role: r.role ?? null,
        action: r.action,
        subject: r.subject ?? null,
        outcome: r.outcome,
        sourceAddress: ctx?.sourceAddress ?? null,
        requestId: ctx?.requestId ?? null,
        details,
        prevHash: head?.hash ?? GENESIS_HASH,
      };
      return repo.save(repo.create({ ...entry, hash: entryHash(entry) }));
    });
  }

  async list(q: AuditQuery): Promise<{ items: AuditEntry[]; nextCursor: string | null }> {
    const qb = this.db.manager.getRepository(AuditEntry).createQueryBuilder('e').orderBy('e.seq', 'DESC').take(q.limit + 1);
    if (q.actor) qb.andWhere('e.actor = :actor', { actor: q.actor });
    if (q.action) qb.andWhere('e.action = :action', { action: q.action });
    if (q.subject) qb.andWhere('e.subject = :subject', { subject: q.subject });
    if (q.since) qb.andWhere('e.at >= :since', { since: q.since.toISOString() });
    if (q.until) qb.andWhere('e.at < :until', { until: q.until.toISOString() });
    if (q.cursor !== undefined) qb.andWhere('e.seq < :cursor', { cursor: q.cursor });
    const rows = await qb.getMany();
    const items = rows.slice(0, q.limit);
    return { items, nextCursor: rows.length > q.limit ? String(items[items.length - 1].seq) : null };
  }

  /** Walks the chain in bounded batches; reports the first entry that does not fit. */
  async verify(): Promise<{ ok: boolean; entries: number; firstBadSeq?: number }> {
    const repo = this.db.manager.getRepository(AuditEntry);
    const BATCH = 1000;
    let expectedSeq = 1;
    let prevHash = GENESIS_HASH;
    for (;;) {
      const batch = await repo.createQueryBuilder('e').where('e.seq >= :from', { from: expectedSeq }).orderBy('e.seq', 'ASC').take(BATCH).getMany();
      for (const e of batch) {
        const { hash, ...rest } = e;
        if (e.seq !== expectedSeq || e.prevHash !== prevHash || entryHash(rest) !== hash) {
          return { ok: false, entries: expectedSeq - 1, firstBadSeq: expectedSeq };
        }
        prevHash = hash;
        expectedSeq++;
      }
      if (batch.length < BATCH) return { ok: true, entries: expectedSeq - 1 };
    }
  }
}
