import { Injectable, OnModuleInit } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import { ChannelUsage } from '../channels/channel-usage';
import { DeliveryWorker } from '../channels/delivery-worker';
import type { HookEvent } from '../channels/delivery.entity';
import { countsOf, EMPTY_COUNTS, failedObjects, revisionInfo, type TargetEvent } from '../channels/hook-events';
import { HookGates, type GateVerdict } from '../channels/hook-gates';
import { HookOutbox } from '../channels/hook-outbox';
import type { TargetOutcome } from '../channels/slack-message';
import { AppConfig } from '../config/app-config';
import { Database } from '../database/database';
import type { ChangeAction, ChangeSetEntry, DriftEntry, HealthStatus } from '../engine';
import { Repository } from '../repositories/repository.entity';
import { Clock } from '../shared/clock';
import { Application } from './application.entity';
import { SyncRun } from './sync-run.entity';
import { TargetRow, type AppliedCommit } from './target.entity';

/** What happened in a run or a check, as far as hooks care. */
export interface Happening {
  type: HookEvent;
  trigger?: string;
  actor?: string;
  counts?: Partial<Record<ChangeAction, number>> | null;
  changes?: readonly ChangeSetEntry[];
  message?: string;
}

/** The target's hook bookkeeping after a check: events to send and the flags to store. */
export interface CheckHooks {
  events: Happening[];
  patch: Pick<Partial<TargetRow>, 'awaitingHealthSince' | 'drifting'>;
}

/**
 * The hook events of target runs and checks (SPEC §4): which ones a run or a check produces —
 * PostSync once health settled (or HealthDegraded at the timeout), HealthDegraded on the way into
 * Degraded, DriftDetected once per drift episode — built into the one event shape and written to
 * the outbox in the caller's transaction. Also gates, and the rollout summary grouped messages show.
 */
@Injectable()
export class TargetHooks implements OnModuleInit {
  constructor(
    private readonly db: Database,
    private readonly config: AppConfig,
    private readonly clock: Clock,
    private readonly outbox: HookOutbox,
    private readonly gates: HookGates,
    private readonly worker: DeliveryWorker,
    private readonly usage: ChannelUsage,
  ) {}

  onModuleInit(): void {
    this.usage.registerUsers(async (channel) =>
      (await this.db.manager.find(Application, { select: { name: true, hooks: true } }))
        .filter((a) => a.hooks.some((h) => h.channel === channel))
        .map((a) => `application "${a.name}"`),
    );
    this.usage.registerRollout((application, sha) => this.rollout(application, sha));
  }

  /** Writes the events' deliveries in `tx`; returns whether any was written (then kick the worker after commit). */
  async enqueue(tx: EntityManager, app: Application, t: TargetRow, sha: string | null, commit: AppliedCommit | null | undefined, happenings: Happening[]): Promise<boolean> {
    if (!app.hooks.length || !happenings.length || !sha) return false;
    const url = (await tx.findOne(Repository, { where: { name: app.repository }, select: { url: true } }))?.url;
    let written = 0;
    for (const h of happenings) written += await this.outbox.enqueue(tx, app.hooks, this.event(app, t, sha, commit, url, h));
    return written > 0;
  }

  kick(): void {
    this.worker.kick();
  }

  /** PreSync gates; open when the application has none. */
  async gate(app: Application, t: TargetRow, sha: string, commit: AppliedCommit | null | undefined, h: Happening): Promise<GateVerdict> {
    if (!app.hooks.some((x) => x.gate)) return { open: true };
    const url = (await this.db.manager.findOne(Repository, { where: { name: app.repository }, select: { url: true } }))?.url;
    return this.gates.check(app.hooks, this.event(app, t, sha, commit, url, h));
  }

  /** After a successful run: PostSync now when health settled, else wait for it (or HealthDegraded). */
  afterSuccess(t: TargetRow, health: HealthStatus, run: Happening): CheckHooks {
    if (health === 'Progressing') return { events: [], patch: { awaitingHealthSince: this.clock.now(), drifting: false } };
    const events: Happening[] = [{ ...run, type: 'PostSync' }];
    if (health === 'Degraded' && t.health !== 'Degraded') events.push({ ...run, type: 'HealthDegraded', message: 'objects are Degraded after the sync' });
    return { events, patch: { awaitingHealthSince: null, drifting: false } };
  }

  /** After an interval check: health settling or degrading, and the start of a drift episode. */
  async afterCheck(t: TargetRow, health: HealthStatus, drift: readonly DriftEntry[]): Promise<CheckHooks> {
    const events: Happening[] = [];
    const patch: CheckHooks['patch'] = {};
    const last = t.lastRunId ? await this.db.manager.findOne(SyncRun, { where: { id: t.lastRunId }, select: { trigger: true, actor: true, counts: true } }) : null;
    const run = { trigger: last?.trigger, actor: last?.actor, counts: last?.counts };
    if (t.awaitingHealthSince !== null) {
      const waited = this.clock.now() - t.awaitingHealthSince;
      if (health === 'Healthy' || health === 'Suspended') {
        events.push({ ...run, type: 'PostSync' });
        patch.awaitingHealthSince = null;
      } else if (health === 'Degraded') {
        events.push({ ...run, type: 'HealthDegraded', message: 'objects became Degraded after the sync' });
        patch.awaitingHealthSince = null;
      } else if (waited >= this.config.hooks.healthTimeoutSeconds * 1000) {
        events.push({ ...run, type: 'HealthDegraded', message: `health did not settle within ${this.config.hooks.healthTimeoutSeconds} s (still ${health})` });
        patch.awaitingHealthSince = null;
      }
    } else if (health === 'Degraded' && t.health !== 'Degraded') {
      events.push({ ...run, type: 'HealthDegraded', message: 'objects became Degraded' });
    }
    if (drift.length && !t.drifting) {
      events.push({
        type: 'DriftDetected',
        trigger: run.trigger,
        actor: run.actor,
        message: drift
          .slice(0, 5)
          .map((d) => d.message)
          .join('; '),
      });
      patch.drifting = true;
    } else if (!drift.length && t.drifting) {
      patch.drifting = false;
    }
    return { events, patch };
  }

  private event(app: Application, t: TargetRow, sha: string, commit: AppliedCommit | null | undefined, repositoryUrl: string | undefined, h: Happening): TargetEvent {
    return {
      type: h.type,
      application: app.name,
      cluster: t.cluster,
      namespace: t.namespace,
      revision: revisionInfo(sha, commit?.sha === sha ? commit : undefined, repositoryUrl),
      ...(h.trigger ? { trigger: h.trigger } : {}),
      ...(h.actor ? { actor: h.actor } : {}),
      counts: h.counts ? countsOf(h.counts) : { ...EMPTY_COUNTS },
      failedObjects: h.changes ? failedObjects(h.changes) : [],
      ...(h.message ? { message: h.message } : {}),
    };
  }

  /** How a revision's rollout stands across the application's targets: their newest run at that SHA. */
  private async rollout(application: string, sha: string) {
    const targets = await this.db.manager.find(TargetRow, {
      where: { application, leaving: false },
      select: { id: true, cluster: true, namespace: true },
      order: { cluster: 'ASC', namespace: 'ASC' },
    });
    const runs: Array<Pick<SyncRun, 'targetId' | 'phase' | 'message' | 'counts'>> = await this.db.manager.query(
      `SELECT targetId, phase, message, counts FROM sync_runs WHERE id IN (SELECT MAX(id) FROM sync_runs WHERE application = ? AND revision = ? GROUP BY targetId)`,
      [application, sha],
    );
    const byTarget = new Map(runs.map((r) => [r.targetId, r]));
    const results = targets.map((t) => {
      const run = byTarget.get(t.id);
      const outcome: TargetOutcome = run?.phase === 'Succeeded' ? 'synced' : run?.phase === 'Failed' || run?.phase === 'Blocked' ? 'failed' : 'pending';
      const counts = typeof run?.counts === 'string' ? JSON.parse(run.counts) : run?.counts;
      return {
        cluster: t.cluster,
        namespace: t.namespace,
        outcome,
        ...(outcome === 'failed' && run?.message ? { message: run.message } : {}),
        ...(counts ? { counts: countsOf(counts) } : {}),
      };
    });
    const synced = results.filter((r) => r.outcome === 'synced').length;
    const failed = results.filter((r) => r.outcome === 'failed').length;
    return { application, total: results.length, finished: synced + failed, synced, failed, results, final: synced + failed === results.length };
  }
}
