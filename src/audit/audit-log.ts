import { Inject, Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import { Clock } from '../shared/clock';
import { requestContext } from '../common/logging/request-context';
import { Database } from '../database/database';
import { SecretBox } from '../security/secret-box';
import { redactSecretFields, redactUrlCredentials } from '../shared/secret-fields';
import { type Anchor, CHAIN_KEY_LABEL, ChainWalk, type ChainFields, entryHash, GENESIS_HASH } from './audit-chain';
import { AuditEntry } from './audit-entry.entity';
import { canonicalJson } from './canonical-json';
import { type Checkpoint, CheckpointFile, CheckpointUnreadableError } from './checkpoint-file';

export interface AuditRecord {
  actor: string;
  role?: string | null;
  action: string;
  subject?: string | null;
  outcome: string;
  /** anything useful; secret fields and the user-info of URLs are redacted before it is written */
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

export interface AuditVerification {
  ok: boolean;
  /** entries that fit, from the first */
  entries: number;
  /** the first entry that was edited, removed or is missing from the end */
  firstBadSeq?: number;
  /** why it failed, when the chain alone does not say (an anchor, the checkpoint) */
  reason?: string;
  /** the seq of the checkpoint the log was checked against, when there is one */
  checkpointSeq?: number;
}

const BATCH = 1000;

/** The one writer of the audit log; every part of Flotilla calls `record`. */
@Injectable()
export class AuditLog {
  /** the chain's HMAC key: derived from the secret key, in memory only */
  private readonly key: Buffer;

  constructor(
    private readonly db: Database,
    private readonly clock: Clock,
    @Inject(SecretBox) box: SecretBox,
    private readonly checkpoints: CheckpointFile,
  ) {
    this.key = box.deriveKey(CHAIN_KEY_LABEL);
  }

  /**
   * Appends one entry. Runs inside the serialised write queue, so the read of the chain's head
   * and the insert are atomic with respect to every other writer: concurrent callers cannot fork
   * the chain (and `prevHash` is unique in the schema should anything try).
   */
  record(r: AuditRecord): Promise<AuditEntry> {
    return this.db.write((tx) => this.recordIn(tx, r));
  }

  /**
   * Appends one entry inside a write transaction the caller holds (from `Database.write`), so the
   * entry and the change it describes are stored together or not at all.
   */
  async recordIn(tx: EntityManager, r: AuditRecord): Promise<AuditEntry> {
    const ctx = requestContext.getStore();
    const at = this.clock.date().toISOString();
    const details = canonicalJson(redactSecretFields(r.details ?? {}));
    const repo = tx.getRepository(AuditEntry);
    const [head] = await repo.find({ select: { seq: true, hash: true }, order: { seq: 'DESC' }, take: 1 });
    const entry: ChainFields = {
      seq: (head?.seq ?? 0) + 1,
      at,
      actor: r.actor,
      role: r.role ?? null,
      action: r.action,
      // a refused body's `name` may be anything, a URL with credentials too
      subject: r.subject == null ? null : redactUrlCredentials(r.subject),
      outcome: r.outcome,
      sourceAddress: ctx?.sourceAddress ?? null,
      requestId: ctx?.requestId ?? null,
      details,
      prevHash: head?.hash ?? GENESIS_HASH,
    };
    return repo.save(repo.create({ ...entry, hash: entryHash(this.key, entry) }));
  }

  async list(q: AuditQuery): Promise<{ items: AuditEntry[]; nextCursor: string | null }> {
    const qb = this.db.manager
      .getRepository(AuditEntry)
      .createQueryBuilder('e')
      .orderBy('e.seq', 'DESC')
      .take(q.limit + 1);
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

  /** The newest entry's seq and hash (seq 0 and the genesis hash while the log is empty). */
  async head(): Promise<Anchor> {
    const [head] = await this.db.manager.getRepository(AuditEntry).find({ select: { seq: true, hash: true }, order: { seq: 'DESC' }, take: 1 });
    return head ? { seq: head.seq, hash: head.hash } : { seq: 0, hash: GENESIS_HASH };
  }

  /**
   * Walks the whole chain under the key and reports the first entry that does not fit. Then
   * checks what the chain alone cannot show — that entries were removed from its end — against
   * `anchor` (an earlier `/audit/head`) and the latest checkpoint: each must still be in the
   * chain, unchanged.
   */
  async verify(anchor?: Anchor): Promise<AuditVerification> {
    let checkpoint: Checkpoint | null = null;
    let unreadable: string | undefined;
    try {
      checkpoint = this.checkpoints.read();
    } catch (e) {
      if (!(e instanceof CheckpointUnreadableError)) throw e;
      unreadable = e.message;
    }
    const anchors: [string, Anchor][] = [];
    if (anchor) anchors.push(['the anchor', anchor]);
    if (checkpoint) anchors.push([`the checkpoint of ${checkpoint.at}`, checkpoint]);

    const walk = await this.walk({ seq: 0, hash: GENESIS_HASH }, new Set(anchors.map(([, a]) => a.seq)));
    if (!walk.ok) return { ok: false, entries: walk.seq, firstBadSeq: walk.seq + 1 };
    const against = checkpoint ? { checkpointSeq: checkpoint.seq } : {};
    if (unreadable) return { ok: false, entries: walk.seq, reason: unreadable };
    for (const [what, a] of anchors) {
      if (a.seq === 0) continue; // the genesis: nothing can be missing before it
      if (a.seq > walk.seq) {
        const reason = `${what} names entry ${a.seq}, but the log ends at entry ${walk.seq}: entries were removed from its end`;
        return { ok: false, entries: walk.seq, firstBadSeq: walk.seq + 1, reason, ...against };
      }
      // the chain holds from the genesis to here, yet this entry is not the one recorded: the
      // log up to it was rewritten by someone holding the key
      if (walk.seen.get(a.seq) !== a.hash) {
        return { ok: false, entries: a.seq - 1, firstBadSeq: a.seq, reason: `entry ${a.seq} differs from ${what}`, ...against };
      }
    }
    return { ok: true, entries: walk.seq, ...against };
  }

  /**
   * Whether the chain still holds `since` (the last checkpoint) unchanged and continues from it
   * under the key up to its head; only what was appended since is walked, so checkpoints stay
   * cheap however long the log grows.
   */
  async continues(since: Anchor): Promise<{ ok: true; head: Anchor } | { ok: false; reason: string }> {
    if (since.seq > 0) {
      const row = await this.db.manager.getRepository(AuditEntry).findOne({ where: { seq: since.seq }, select: { seq: true, hash: true } });
      if (!row) return { ok: false, reason: `entry ${since.seq} of the last checkpoint is gone` };
      if (row.hash !== since.hash) return { ok: false, reason: `entry ${since.seq} differs from the last checkpoint` };
    }
    const walk = await this.walk(since, new Set());
    if (!walk.ok) return { ok: false, reason: `entry ${walk.seq + 1} does not fit the chain` };
    return { ok: true, head: { seq: walk.seq, hash: walk.hash } };
  }

  /** Walks from just after `after` to the end in bounded batches; keeps the hashes of the `wanted` seqs. */
  private async walk(after: Anchor, wanted: Set<number>): Promise<{ ok: boolean; seq: number; hash: string; seen: Map<number, string> }> {
    const repo = this.db.manager.getRepository(AuditEntry);
    const chain = new ChainWalk((e) => entryHash(this.key, e), after);
    const seen = new Map<number, string>();
    for (;;) {
      const batch = await repo.createQueryBuilder('e').where('e.seq > :after', { after: chain.seq }).orderBy('e.seq', 'ASC').take(BATCH).getMany();
      for (const e of batch) {
        if (!chain.next(e)) return { ok: false, seq: chain.seq, hash: chain.hash, seen };
        if (wanted.has(e.seq)) seen.set(e.seq, e.hash);
      }
      if (batch.length < BATCH) return { ok: true, seq: chain.seq, hash: chain.hash, seen };
    }
  }
}
