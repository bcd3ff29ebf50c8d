import { Injectable } from '@nestjs/common';
import { In } from 'typeorm';
import { AppConfig } from '../config/app-config';
import { Database } from '../database/database';
import { mapBounded } from '../shared/map-bounded';
import type { Application } from './application.entity';
import type { ApplicationView, DiffView, SummaryView, TargetDiffView, TargetView } from './dto/application.view';
import type { SyncRun } from './sync-run.entity';
import { SyncRuns } from './sync-runs';
import { TargetRow } from './target.entity';
import { Rollout, type RolloutTargetState } from './rollout/rollout.entity';
import { SyncWindowPolicy } from './sync-window-policy';
import { TargetPlans } from './target-plans';
import { errorMessage } from './target-status';

/**
 * Applications as the API shows them, with status built from the target rows. A page of
 * applications costs three queries however long it is: the applications, their targets, and
 * the targets' last runs.
 */
@Injectable()
export class ApplicationViews {
  constructor(
    private readonly db: Database,
    private readonly config: AppConfig,
    private readonly runs: SyncRuns,
    private readonly plans: TargetPlans,
    private readonly windows: SyncWindowPolicy,
  ) {}

  async one(app: Application): Promise<ApplicationView> {
    return (await this.many([app], true))[0];
  }

  async many(apps: Application[], withResources = false): Promise<ApplicationView[]> {
    if (!apps.length) return [];
    const rows = await this.db.manager.find(TargetRow, {
      where: { application: In(apps.map((a) => a.name)) },
      order: { cluster: 'ASC', namespace: 'ASC' },
      select: withResources
        ? undefined
        : {
            id: true,
            application: true,
            cluster: true,
            namespace: true,
            problem: true,
            renderer: true,
            leaving: true,
            desiredRevision: true,
            revision: true,
            commit: true,
            sync: true,
            health: true,
            message: true,
            lastRunId: true,
            dueAt: true,
            failures: true,
          },
    });
    const lastRuns = await this.runs.byIds(rows.map((r) => r.lastRunId).filter((id): id is number => id !== null));
    const byApp = new Map<string, TargetRow[]>();
    for (const r of rows) byApp.set(r.application, [...(byApp.get(r.application) ?? []), r]);
    const rollouts = await this.currentRollouts(apps.filter((a) => a.rollout).map((a) => a.name));
    return apps.map((a) => this.view(a, byApp.get(a.name) ?? [], lastRuns, withResources, rollouts.get(a.name)));
  }

  /** The newest rollout of each application, in one query. */
  private async currentRollouts(names: string[]): Promise<Map<string, Rollout>> {
    if (!names.length) return new Map();
    const ids: { id: number }[] = await this.db.manager.query(
      `SELECT MAX(id) AS id FROM rollouts WHERE application IN (${names.map(() => '?').join(', ')}) GROUP BY application`,
      names,
    );
    const rows = ids.length ? await this.db.manager.find(Rollout, { where: { id: In(ids.map((r) => r.id)) } }) : [];
    return new Map(rows.map((r) => [r.application, r]));
  }

  /**
   * Desired against live for each target, per object, with field diffs; writes nothing. Planned as
   * the reconciler plans (TargetPlans), on the cluster's live cache: a diff of a target in sync
   * reads nothing from its cluster that the cache holds.
   */
  async diff(app: Application, targets: TargetRow[], revision?: string): Promise<DiffView> {
    const plans = await this.plans.plansFor(app, targets, { revision });
    const results = await mapBounded(plans, this.config.sync.concurrency, async (plan): Promise<TargetDiffView> => {
      const t = plan.row;
      const base = { cluster: t.cluster, namespace: t.namespace };
      let sha: string | null = null;
      try {
        if (t.problem) throw new Error(t.problem);
        sha = await plan.sha();
        // a cluster no longer registered: the render says so
        const { objects } = await plan.render(sha);
        const changes = await plan.engine().diff(plan.request(objects));
        return {
          ...base,
          revision: sha,
          error: null,
          changes: changes.map((c) => ({ ...c.ref, action: c.action, ...(c.message ? { message: c.message } : {}), ...(c.diff?.length ? { diff: c.diff } : {}) })),
        };
      } catch (e) {
        return { ...base, revision: sha, error: errorMessage(e), changes: [] };
      }
    });
    return { targets: results };
  }

  private view(a: Application, rows: TargetRow[], lastRuns: Map<number, SyncRun>, withResources: boolean, rollout: Rollout | undefined): ApplicationView {
    const active = rows.filter((r) => !r.leaving);
    const verdict = this.windows.verdict(a);
    const places = new Map<string, { wave: string; state: RolloutTargetState }>();
    for (const w of rollout?.waves ?? []) for (const t of w.targets) places.set(`${t.cluster}\0${t.namespace}`, { wave: w.name, state: t.state });
    return {
      name: a.name,
      labels: a.labels,
      repository: a.repository,
      path: a.path,
      revision: a.revision,
      destinations: a.destinations,
      syncPolicy: a.syncPolicy,
      ignoreDifferences: a.ignoreDifferences ?? [],
      hooks: a.hooks,
      helm: a.helm,
      pinned: a.pinnedRevision ? { revision: a.pinnedRevision, syncRunId: a.pinnedSyncRunId, at: a.pinnedAt } : null,
      deletion: a.deletingSince ? { cascade: true, startedAt: a.deletingSince, remaining: rows.length } : null,
      rollout: a.rollout,
      currentRollout: rollout
        ? { id: rollout.id, revision: rollout.revision, state: rollout.state, wave: rollout.waves.find((w) => w.state !== 'Completed')?.name ?? null, message: rollout.message }
        : null,
      syncWindows: a.syncWindows ?? [],
      syncWindow: { allowed: verdict.allowed, manualAllowed: verdict.manualAllowed, until: verdict.until?.toISOString() ?? null, reason: verdict.reason, active: verdict.active },
      status: {
        summary: summary(active),
        targets: rows.map((r) => this.targetView(r, lastRuns.get(r.lastRunId ?? -1), withResources, a.rollout ? (places.get(`${r.cluster}\0${r.namespace}`) ?? null) : null)),
      },
      createdAt: a.createdAt,
      updatedAt: a.updatedAt,
    };
  }

  private targetView(r: TargetRow, run: SyncRun | undefined, withResources: boolean, rollout: TargetView['rollout']): TargetView {
    return {
      cluster: r.cluster,
      namespace: r.namespace,
      sync: r.sync,
      health: r.health,
      message: r.message,
      revision: r.commit,
      desiredRevision: r.desiredRevision,
      renderer: r.renderer,
      lastSyncRun: run ? { id: run.id, phase: run.phase, trigger: run.trigger, startedAt: run.startedAt, finishedAt: run.finishedAt, message: run.message } : null,
      leaving: r.leaving,
      failures: r.failures,
      nextReconcileAt: Number.isFinite(r.dueAt) ? new Date(r.dueAt) : null,
      rollout,
      ...(withResources ? { resources: r.resources } : {}),
    };
  }
}

function summary(rows: TargetRow[]): SummaryView {
  const count = (f: (r: TargetRow) => boolean) => rows.filter(f).length;
  return {
    targets: rows.length,
    synced: count((r) => r.sync === 'Synced'),
    outOfSync: count((r) => r.sync === 'OutOfSync'),
    unknown: count((r) => r.sync === 'Unknown'),
    healthy: count((r) => r.health === 'Healthy'),
    progressing: count((r) => r.health === 'Progressing'),
    degraded: count((r) => r.health === 'Degraded'),
    missing: count((r) => r.health === 'Missing'),
  };
}
