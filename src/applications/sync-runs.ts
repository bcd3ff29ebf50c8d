import { Injectable, Logger } from '@nestjs/common';
import { In, LessThan, type EntityManager } from 'typeorm';
import { AuditLog } from '../audit/audit-log';
import { AppConfig } from '../config/app-config';
import { Database } from '../database/database';
import { LiveEvents } from '../events/live-events';
import type { ChangeAction, ChangeSetEntry } from '../engine';
import { Clock } from '../shared/clock';
import { NotFoundError } from '../shared/errors';
import { SyncRun, type RunChange, type RunPhase } from './sync-run.entity';
import type { TargetRow, Trigger } from './target.entity';

export interface RunStart {
  target: TargetRow;
  revision: string | null;
  trigger: Trigger;
  actor: string;
}

export interface RunEnd {
  phase: Exclude<RunPhase, 'Running'>;
  message: string | null;
  counts?: Record<ChangeAction, number>;
  changes?: ChangeSetEntry[];
}

export interface HistoryQuery {
  cluster?: string;
  namespace?: string;
  limit: number;
  /** the id of the last run of the previous page */
  cursor?: number;
}

const subject = (r: { application: string; cluster: string; namespace: string }) => `${r.application}/${r.cluster}/${r.namespace}`;

/**
 * Sync runs (SPEC §3 step 9): a row written when a run starts and completed when it ends, each
 * in the same transaction as its audit entry and the target's change, so neither is ever
 * recorded without the other. History per target is bounded.
 */
@Injectable()
export class SyncRuns {
  private readonly log = new Logger(SyncRuns.name);

  constructor(
    private readonly db: Database,
    private readonly audit: AuditLog,
    private readonly clock: Clock,
    private readonly config: AppConfig,
    private readonly events: LiveEvents,
  ) {}

  /** Inserts the Running row and its audit entry; `also` writes more in the same transaction. */
  start(start: RunStart, also?: (tx: EntityManager, run: SyncRun) => Promise<void>): Promise<SyncRun> {
    const { target, revision, trigger, actor } = start;
    return this.db.write(async (tx) => {
      const repo = tx.getRepository(SyncRun);
      const run = await repo.save(
        repo.create({
          targetId: target.id,
          application: target.application,
          cluster: target.cluster,
          namespace: target.namespace,
          revision,
          trigger,
          actor,
          phase: 'Running',
          startedAt: this.clock.date(),
          finishedAt: null,
          counts: null,
          message: null,
          changes: null,
        }),
      );
      await this.audit.recordIn(tx, { actor, action: 'syncrun.started', subject: subject(target), outcome: 'Running', details: { run: run.id, revision, trigger } });
      await also?.(tx, run);
      this.published(run);
      return run;
    });
  }

  /** Tells live-event subscribers the run's phase. */
  private published(run: SyncRun): void {
    this.events.publish({
      type: 'run',
      application: run.application,
      cluster: run.cluster,
      namespace: run.namespace,
      id: run.id,
      phase: run.phase,
      trigger: run.trigger,
      revision: run.revision,
    });
  }

  /** Completes the run, audits its end, trims the target's history; `also` writes the target. */
  finish(run: SyncRun, end: RunEnd, also?: (tx: EntityManager) => Promise<void>): Promise<SyncRun> {
    return this.db.write(async (tx) => {
      const repo = tx.getRepository(SyncRun);
      Object.assign(run, {
        phase: end.phase,
        finishedAt: this.clock.date(),
        message: end.message,
        counts: end.counts ?? null,
        changes: end.changes ? end.changes.map(runChange) : null,
      });
      // an update, not a save: the run's application may have been deleted meanwhile, and its
      // history with it — a save would bring the row back
      await repo.update({ id: run.id }, { phase: run.phase, finishedAt: run.finishedAt, message: run.message, counts: run.counts, changes: run.changes });
      await this.audit.recordIn(tx, {
        actor: run.actor,
        action: 'syncrun.finished',
        subject: subject(run),
        outcome: end.phase,
        details: { run: run.id, revision: run.revision, trigger: run.trigger, counts: run.counts, message: end.message },
      });
      await also?.(tx);
      await this.trim(tx, run.targetId);
      this.published(run);
      return run;
    });
  }

  /** Runs a crash left Running: Interrupted now. Returns them so their targets can be queued. */
  async interruptLeftovers(): Promise<SyncRun[]> {
    return this.db.write(async (tx) => {
      const repo = tx.getRepository(SyncRun);
      const left = await repo.find({ where: { phase: 'Running' } });
      for (const run of left) {
        Object.assign(run, { phase: 'Interrupted', finishedAt: this.clock.date(), message: 'interrupted: Flotilla stopped during the run; it will be run again' });
        await repo.save(run);
        await this.audit.recordIn(tx, {
          actor: 'flotilla',
          action: 'syncrun.finished',
          subject: subject(run),
          outcome: 'Interrupted',
          details: { run: run.id, revision: run.revision, trigger: run.trigger },
        });
      }
      if (left.length) this.log.warn({ runs: left.map((r) => r.id) }, `${left.length} sync runs were interrupted by a restart; their targets are queued again`);
      return left;
    });
  }

  async history(application: string, q: HistoryQuery): Promise<{ items: SyncRun[]; nextCursor: string | null }> {
    const where = {
      application,
      ...(q.cluster ? { cluster: q.cluster } : {}),
      ...(q.namespace ? { namespace: q.namespace } : {}),
      ...(q.cursor ? { id: LessThan(q.cursor) } : {}),
    };
    const items = await this.db.manager.getRepository(SyncRun).find({ where, order: { id: 'DESC' }, take: q.limit + 1 });
    const more = items.length > q.limit;
    if (more) items.pop();
    return { items, nextCursor: more ? String(items[items.length - 1].id) : null };
  }

  async get(application: string, id: number): Promise<SyncRun> {
    const run = await this.db.manager.getRepository(SyncRun).findOne({ where: { application, id } });
    if (!run) throw new NotFoundError('sync run', String(id));
    return run;
  }

  /** The last runs of many targets at once (one query). */
  async byIds(ids: number[]): Promise<Map<number, SyncRun>> {
    if (!ids.length) return new Map();
    const runs = await this.db.manager.getRepository(SyncRun).find({
      where: { id: In(ids) },
      select: { id: true, phase: true, trigger: true, startedAt: true, finishedAt: true, message: true, revision: true },
    });
    return new Map(runs.map((r) => [r.id, r]));
  }

  /** Keeps `historyLimit` runs per target, and change sets on the newest `keepChangeSets`. */
  private async trim(tx: EntityManager, targetId: number): Promise<void> {
    const { historyLimit, keepChangeSets } = this.config.sync;
    await tx.query(`DELETE FROM sync_runs WHERE targetId = ? AND id NOT IN (SELECT id FROM sync_runs WHERE targetId = ? ORDER BY id DESC LIMIT ?)`, [
      targetId,
      targetId,
      historyLimit,
    ]);
    await tx.query(
      `UPDATE sync_runs SET changes = NULL WHERE targetId = ? AND changes IS NOT NULL AND id NOT IN (SELECT id FROM sync_runs WHERE targetId = ? ORDER BY id DESC LIMIT ?)`,
      [targetId, targetId, keepChangeSets],
    );
  }
}

function runChange(c: ChangeSetEntry): RunChange {
  const { group, version, kind, namespace, name } = c.ref;
  return { group, version, kind, ...(namespace ? { namespace } : {}), name, action: c.action, ...(c.message ? { message: c.message } : {}) };
}
