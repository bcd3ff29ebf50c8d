import { randomBytes } from 'node:crypto';
import { BeforeApplicationShutdown, Injectable, Logger, OnApplicationBootstrap } from '@nestjs/common';
import { requestContext } from '../common/logging/request-context';
import { Scheduler } from '../common/scheduler';
import { AppConfig } from '../config/app-config';
import { Database } from '../database/database';
import { Clock } from '../shared/clock';
import { SyncRuns } from './sync-runs';
import { TargetRow, type Trigger } from './target.entity';

/** Queue order: people and pushes first, then self-heal and clusters joining, then periodic checks. */
export const PRIORITY = { urgent: 0, soon: 1, periodic: 2 } as const;

const TRIGGER_PRIORITY: Record<Trigger, number> = { manual: 0, webhook: 0, rollback: 0, selfHeal: 1, schedule: 1 };

export interface TriggerRequest {
  trigger: Trigger;
  actor: string;
  /** default: by trigger (manual, webhook, rollback first) */
  priority?: number;
  /** a manual sync's revision and prune override, for that run only */
  revision?: string | null;
  prune?: boolean | null;
  /** forget the backoff (a new revision, a person asking) */
  resetFailures?: boolean;
}

/** Does the work of one claimed target; resolves when it is done (never rejects). */
export type TargetWork = (target: TargetRow, signal: AbortSignal) => Promise<void>;

interface Running {
  cluster: string;
  abort: AbortController;
  done: Promise<void>;
}

/**
 * The reconcile queue is the `targets` table: a row is due when `dueAt` has passed, and it is
 * claimed by writing a lease (`owner`, `leaseExpiresAt`) in the same statement that checks no one
 * holds it — so a crash loses nothing (the rows stay due) and replicas could share the table.
 * One process owns every target today: at start-up it takes over every lease, after marking the
 * runs its predecessor left Running as Interrupted and queueing their targets again.
 *
 * Bounded by `sync.concurrency` over the fleet and `sync.perClusterConcurrency` per cluster, so a
 * cluster that times out holds only its own slots. A trigger that arrives while its target is
 * being worked on stays on the row (`pendingTrigger`) and is the next run: triggers coalesce.
 */
@Injectable()
export class ReconcileQueue implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly log = new Logger(ReconcileQueue.name);
  readonly owner = `flotilla-${randomBytes(6).toString('hex')}`;
  private readonly running = new Map<number, Running>();
  private work?: TargetWork;
  private dispatching = false;
  private again = false;
  private stopping = false;

  constructor(
    private readonly db: Database,
    private readonly config: AppConfig,
    private readonly clock: Clock,
    private readonly scheduler: Scheduler,
    private readonly runs: SyncRuns,
  ) {}

  /** The reconciler registers itself here (it depends on more than the queue should know). */
  setWork(work: TargetWork): void {
    this.work = work;
  }

  async onApplicationBootstrap(): Promise<void> {
    const interrupted = await this.runs.interruptLeftovers();
    const now = this.clock.now();
    await this.db.write(async (tx) => {
      for (const run of interrupted) {
        await tx.query(`UPDATE targets SET pendingTrigger = COALESCE(pendingTrigger, ?), pendingActor = COALESCE(pendingActor, ?), priority = 0, dueAt = ? WHERE id = ?`, [
          run.trigger,
          run.actor,
          now,
          run.targetId,
        ]);
      }
      await tx.query(`UPDATE targets SET owner = NULL, leaseExpiresAt = NULL WHERE owner IS NOT NULL`);
    });
    this.scheduler.every('reconcile-queue', 1000, () => this.dispatch(), { immediate: true });
  }

  /** Before any module closes (the database among them): runs in flight end as Interrupted and are stored so. */
  async beforeApplicationShutdown(): Promise<void> {
    this.stopping = true;
    this.scheduler.cancel('reconcile-queue');
    for (const r of this.running.values()) r.abort.abort(new Error('Flotilla is shutting down'));
    await Promise.all([...this.running.values()].map((r) => r.done));
  }

  /** Asks for a run of the targets matching `where` (SQL over the targets table). */
  async trigger(where: { application: string; cluster?: string; namespace?: string } | { cluster: string }, request: TriggerRequest): Promise<number> {
    const priority = request.priority ?? TRIGGER_PRIORITY[request.trigger];
    const conds = Object.entries(where).filter(([, v]) => v !== undefined);
    const sql = `UPDATE targets SET
        pendingTrigger = CASE WHEN pendingTrigger IS NULL OR priority >= ? THEN ? ELSE pendingTrigger END,
        pendingActor = CASE WHEN pendingTrigger IS NULL OR priority >= ? THEN ? ELSE pendingActor END,
        pendingRevision = ?, pendingPrune = ?,
        priority = MIN(priority, ?), dueAt = MIN(dueAt, ?)${request.resetFailures ? ', failures = 0' : ''}
      WHERE leaving = 0 AND ${conds.map(([k]) => `"${k}" = ?`).join(' AND ')}`;
    const args = [priority, request.trigger, priority, request.actor, request.revision ?? null, request.prune ?? null, priority, this.clock.now(), ...conds.map(([, v]) => v)];
    const changed = await this.db.write(async (tx) => {
      await tx.query(sql, args);
      return (await tx.query(`SELECT changes() AS n`))[0].n as number;
    });
    this.kick();
    return changed;
  }

  /** Makes targets due now without asking for a run: their next check comes at once. */
  async checkNow(where: { application?: string; cluster?: string; namespace?: string; health?: string }, resetFailures = false): Promise<void> {
    const conds = Object.entries(where).filter(([, v]) => v !== undefined);
    if (!conds.length) return;
    await this.db.write((tx) =>
      tx.query(
        `UPDATE targets SET dueAt = MIN(dueAt, ?), priority = MIN(priority, 1)${resetFailures ? ', failures = 0' : ''} WHERE ${conds.map(([k]) => `"${k}" = ?`).join(' AND ')}`,
        [this.clock.now(), ...conds.map(([, v]) => v)],
      ),
    );
    this.kick();
  }

  /** Stops the work in flight on targets that are going away (a cluster removed, an application deleted). */
  abort(matching: (cluster: string, id: number) => boolean): void {
    for (const [id, r] of this.running) if (matching(r.cluster, id)) r.abort.abort(new Error('the target was removed'));
  }

  /** Looks for due targets soon (coalesced). */
  kick(): void {
    if (this.stopping) return;
    // outside the request that asked: runs of other targets must not log or audit its request id
    requestContext.exit(() => setImmediate(() => void this.dispatch()));
  }

  /** Renews the lease of a target being worked on; called by the reconciler while it works. */
  renew(id: number): Promise<unknown> {
    return this.db.write((tx) =>
      tx.query(`UPDATE targets SET leaseExpiresAt = ? WHERE id = ? AND owner = ?`, [this.clock.now() + this.config.sync.leaseSeconds * 1000, id, this.owner]),
    );
  }

  private async dispatch(): Promise<void> {
    if (this.dispatching) {
      this.again = true;
      return;
    }
    this.dispatching = true;
    try {
      do {
        this.again = false;
        await this.dispatchOnce();
      } while (this.again && !this.stopping);
    } catch (e) {
      this.log.error({ err: e }, 'reconcile queue dispatch failed');
    } finally {
      this.dispatching = false;
    }
  }

  /**
   * Starts due targets while there are free slots. Each query asks for no more rows than there are
   * free slots, leaving out clusters already at perClusterConcurrency: with a thousand due targets
   * and four slots, a dispatch reads four rows, not a thousand (it runs after every target, so
   * reading all due rows each time cost O(targets²) per interval).
   */
  private async dispatchOnce(): Promise<void> {
    const { concurrency, perClusterConcurrency } = this.config.sync;
    const now = this.clock.now();
    const perCluster = new Map<string, number>();
    for (const r of this.running.values()) perCluster.set(r.cluster, (perCluster.get(r.cluster) ?? 0) + 1);
    // each round starts a target, or finds a cluster full, or finds rows another owner just took
    // (leased now, so not read again): it ends
    for (;;) {
      const free = concurrency - this.running.size;
      if (this.stopping || !this.work || free <= 0) return;
      const full = [...perCluster].filter(([, n]) => n >= perClusterConcurrency).map(([c]) => c);
      const due: { id: number; cluster: string }[] = await this.db.manager.query(
        `SELECT id, cluster FROM targets WHERE dueAt <= ? AND (leaseExpiresAt IS NULL OR leaseExpiresAt < ?)` +
          `${full.length ? ` AND cluster NOT IN (${full.map(() => '?').join(', ')})` : ''} ORDER BY priority, dueAt LIMIT ?`,
        [now, now, ...full, free],
      );
      if (due.length === 0) return;
      let progress = false;
      for (const row of due) {
        if (this.stopping || this.running.size >= concurrency) return;
        if (this.running.has(row.id)) continue;
        if ((perCluster.get(row.cluster) ?? 0) >= perClusterConcurrency) {
          progress = true; // the cluster is left out of the next query
          continue;
        }
        progress = true; // started, or taken by another owner meanwhile (leased: not read again)
        const claimed = await this.claim(row.id, now);
        if (!claimed) continue;
        perCluster.set(row.cluster, (perCluster.get(row.cluster) ?? 0) + 1);
        this.start(claimed);
      }
      if (!progress || due.length < free) return;
    }
  }

  /**
   * Takes the lease and the pending trigger in one write: a trigger arriving after this is kept
   * for the next run.
   */
  private async claim(id: number, now: number): Promise<TargetRow | undefined> {
    return this.db.write(async (tx) => {
      const expires = now + this.config.sync.leaseSeconds * 1000;
      await tx.query(`UPDATE targets SET owner = ?, leaseExpiresAt = ? WHERE id = ? AND dueAt <= ? AND (leaseExpiresAt IS NULL OR leaseExpiresAt < ?)`, [
        this.owner,
        expires,
        id,
        now,
        now,
      ]);
      if ((await tx.query(`SELECT changes() AS n`))[0].n !== 1) return undefined;
      const row = await tx.getRepository(TargetRow).findOneByOrFail({ id });
      await tx.query(`UPDATE targets SET pendingTrigger = NULL, pendingActor = NULL, pendingRevision = NULL, pendingPrune = NULL, priority = 2 WHERE id = ?`, [id]);
      return row;
    });
  }

  private start(target: TargetRow): void {
    const abort = new AbortController();
    const entry: Running = { cluster: target.cluster, abort, done: Promise.resolve() };
    this.running.set(target.id, entry);
    entry.done = this.work!(target, abort.signal)
      .catch((e) => this.log.error({ err: e, target: target.id }, 'target work failed unexpectedly'))
      .finally(() => {
        this.running.delete(target.id);
        this.kick();
      });
  }
}
