import { BeforeApplicationShutdown, Injectable, Logger, OnApplicationBootstrap } from '@nestjs/common';
import { requestContext } from '../common/logging/request-context';
import { Scheduler } from '../common/scheduler';
import { AppConfig } from '../config/app-config';
import { Clock } from '../shared/clock';
import { SyncRuns } from './sync-runs';
import type { TargetRow } from './target.entity';
import { Targets, type CheckScope, type TriggerRequest, type TriggerScope } from './targets';

/** Does the work of one claimed target; resolves when it is done (never rejects). */
export type TargetWork = (target: TargetRow, signal: AbortSignal) => Promise<void>;

interface Running {
  cluster: string;
  abort: AbortController;
  done: Promise<void>;
}

/**
 * The reconcile queue is the `targets` table (written by the Targets store, ordered by
 * queue-rules.ts): a row is due when `dueAt` has passed, and it is claimed by writing a lease
 * (`owner`, `leaseExpiresAt`) in the same statement that checks no one holds it — so a crash
 * loses nothing (the rows stay due) and replicas could share the table. This class is the
 * dispatcher: which due rows to claim now, and the work in flight.
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
  private readonly running = new Map<number, Running>();
  private work?: TargetWork;
  private dispatching = false;
  private again = false;
  private stopping = false;

  constructor(
    private readonly targets: Targets,
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
    await this.targets.takeOver(await this.runs.interruptLeftovers());
    this.scheduler.every('reconcile-queue', 1000, () => this.dispatch(), { immediate: true });
  }

  /** Before any module closes (the database among them): runs in flight end as Interrupted and are stored so. */
  async beforeApplicationShutdown(): Promise<void> {
    this.stopping = true;
    this.scheduler.cancel('reconcile-queue');
    for (const r of this.running.values()) r.abort.abort(new Error('Flotilla is shutting down'));
    await Promise.all([...this.running.values()].map((r) => r.done));
  }

  /** Asks for a run of the matching targets (Targets.trigger) and looks for due ones. */
  async trigger(where: TriggerScope, request: TriggerRequest): Promise<number> {
    const changed = await this.targets.trigger(where, request);
    this.kick();
    return changed;
  }

  /** Makes targets due now without asking for a run: their next check comes at once. */
  async checkNow(where: CheckScope, resetFailures = false): Promise<void> {
    await this.targets.checkNow(where, resetFailures);
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
    return this.targets.renew(id);
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
      const due = await this.targets.due(now, full, free);
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
        const claimed = await this.targets.claim(row.id, now);
        if (!claimed) continue;
        perCluster.set(row.cluster, (perCluster.get(row.cluster) ?? 0) + 1);
        this.start(claimed);
      }
      if (!progress || due.length < free) return;
    }
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
