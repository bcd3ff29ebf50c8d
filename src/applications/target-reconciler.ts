import { Injectable, Logger, OnModuleInit } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import { Cluster } from '../clusters/cluster.entity';
import { ClusterClients } from '../clusters/cluster-clients';
import { AppConfig } from '../config/app-config';
import { Database } from '../database/database';
import { refOf, SyncEngine, type ChangeAction, type ChangeSetEntry, type ObjectRef, type Target } from '../engine';
import { isClusterLevel } from '../kube';
import { Repository } from '../repositories/repository.entity';
import { Clock, type Timer } from '../shared/clock';
import { Application, onDriftOf } from './application.entity';
import { ApplicationMetrics } from './application-metrics';
import { DesiredState, type DesiredObjects } from './desired-state';
import { engineRules } from './engine-rules';
import { LiveEvents } from '../events/live-events';
import { LiveCaches } from './live-caches';
import { ReconcileQueue } from './reconcile-queue';
import { SyncRuns } from './sync-runs';
import { SyncWindowPolicy } from './sync-window-policy';
import type { WindowVerdict } from '../shared/sync-windows';
import type { RunPhase } from './sync-run.entity';
import { TargetHooks, type Happening } from './target-hooks';
import { TargetRow, type AppliedCommit, type Trigger } from './target.entity';
import { driftMessage, errorMessage, resourcesAfterCheck, resourcesAfterReport, resourcesAfterRun, runMessage, wouldChangeMessage } from './target-status';

/** triggers that wait for a sync window; manual syncs and rollbacks were let through by the API */
const AUTOMATED: ReadonlySet<Trigger> = new Set<Trigger>(['schedule', 'webhook', 'selfHeal']);

const STOP_APPLYING = ' (syncPolicy.onDrift stopApplying: new revisions wait until someone syncs by hand, which applies git over these changes)';

function notApplied(sha: string): string {
  return `revision ${sha.slice(0, 7)} not applied`;
}

function windowMessage(v: WindowVerdict): string {
  return v.until ? `waiting for sync window until ${v.until.toISOString()}` : 'waiting for sync window (none opens within a year)';
}

/** What the work on a target leaves for the queue: when to look again, and status to store. */
interface Outcome {
  /** epoch ms; undefined when the row is gone */
  nextDueAt?: number;
  patch?: Partial<TargetRow>;
  /** hook events a check found, written to the outbox with the patch */
  hooks?: { app: Application; sha: string; events: Happening[] };
}

/**
 * The work on one due target. With a pending trigger it runs a sync; otherwise it is the
 * interval check — a new revision means a run (automated), drift means a selfHeal run (selfHeal)
 * or OutOfSync, and health is read again. A target that left the fan-out is emptied (prune on)
 * and removed. Every path ends by giving the target back to the queue with its next due time:
 * the interval, the health recheck while Progressing, or the backoff after a failure.
 */
@Injectable()
export class TargetReconciler implements OnModuleInit {
  private readonly log = new Logger(TargetReconciler.name);

  constructor(
    private readonly db: Database,
    private readonly config: AppConfig,
    private readonly clock: Clock,
    private readonly clients: ClusterClients,
    private readonly desired: DesiredState,
    private readonly runs: SyncRuns,
    private readonly queue: ReconcileQueue,
    private readonly metrics: ApplicationMetrics,
    private readonly hooks: TargetHooks,
    private readonly live: LiveCaches,
    private readonly events: LiveEvents,
    private readonly windows: SyncWindowPolicy,
  ) {}

  onModuleInit(): void {
    this.queue.setWork((target, signal) => this.reconcile(target, signal));
  }

  async reconcile(t: TargetRow, signal: AbortSignal): Promise<void> {
    // the lease lapses if this process dies; while it lives, it keeps the target
    const renewEvery = (this.config.sync.leaseSeconds * 1000) / 3;
    let renewal: Timer | undefined;
    const arm = () => {
      renewal = this.clock.after(renewEvery, () => {
        void this.queue.renew(t.id).catch(() => undefined);
        arm();
      });
    };
    arm();
    let outcome: Outcome;
    try {
      outcome = await this.work(t, signal);
    } catch (e) {
      this.log.warn({ err: e, target: t.id }, 'target work failed');
      outcome = this.failed(t, e);
    } finally {
      renewal?.cancel();
    }
    await this.release(t, outcome);
  }

  private async work(t: TargetRow, signal: AbortSignal): Promise<Outcome> {
    const m = this.db.manager;
    const [app, cluster] = await Promise.all([m.findOneBy(Application, { name: t.application }), m.findOneBy(Cluster, { name: t.cluster })]);
    if (!app || !cluster) {
      // deleted without cascade, or the cluster is no longer managed: its workloads stay
      await this.db.write((tx) => tx.delete(TargetRow, { id: t.id }));
      return {};
    }
    if (t.leaving || app.deletingSince) return this.leave(t, app, cluster, signal);
    if (t.problem) return { nextDueAt: this.interval(app), patch: { sync: 'Unknown', health: 'Unknown', message: t.problem } };

    let sha: string;
    // with a rollout, a target holds what its rollout released to it (or what it has) until its
    // wave comes; a manual sync's own revision still goes (SPEC §1 Rollouts)
    const held = app.rollout && !t.pendingRevision ? (t.releasedRevision ?? t.revision) : undefined;
    if (held === null) {
      return { nextDueAt: this.interval(app), patch: { sync: 'OutOfSync', message: 'waiting for its rollout wave' } };
    }
    try {
      sha = held ?? (await this.desired.resolve(app.repository, t.pendingRevision ?? app.pinnedRevision ?? app.revision ?? (await this.branchOf(app.repository))));
    } catch (e) {
      return this.failed(t, e, { sync: 'Unknown', message: `cannot resolve the revision: ${errorMessage(e)}` });
    }
    if (app.syncPolicy.mode === 'reportOnly') {
      const objects = await this.render(app, t, sha, cluster);
      await this.useLive(cluster, t, objects);
      return this.report(t, app, cluster, sha, objects);
    }
    let trigger: Trigger | null = t.pendingTrigger;
    let actor = t.pendingActor ?? 'flotilla';
    if (!trigger && t.revision !== sha) {
      if (!app.syncPolicy.automated) {
        return { nextDueAt: this.interval(app), patch: { desiredRevision: sha, sync: 'OutOfSync', message: `revision ${sha.slice(0, 7)} is not applied: automated sync is off` } };
      }
      trigger = 'schedule';
    }
    // automated runs wait for the sync window; the pending trigger stays, so the run happens when it opens
    if (trigger && AUTOMATED.has(trigger)) {
      const verdict = this.windows.verdict(app);
      if (!verdict.allowed) return this.waitForWindow(t, app, sha, verdict);
    }
    const objects = await this.render(app, t, sha, cluster);
    await this.useLive(cluster, t, objects);
    // onDrift stopApplying: changes made in the cluster stay until someone syncs by hand
    if (trigger && AUTOMATED.has(trigger) && trigger !== 'selfHeal' && onDriftOf(app.syncPolicy) === 'stopApplying' && t.revision && t.revision !== sha) {
      const hold = await this.driftHold(t, app, cluster, sha);
      if (hold) return hold;
    }
    let drifted: Happening[] = [];
    if (!trigger) {
      const check = await this.check(t, app, cluster, sha, objects);
      if ('outcome' in check) return check.outcome;
      trigger = 'selfHeal';
      actor = 'flotilla';
      drifted = check.heal;
    }
    return this.run(t, app, cluster, sha, objects, trigger, actor, signal, drifted);
  }

  /** the live cache watches what this target holds and is about to apply (and its namespace, which every plan looks up) */
  private async useLive(cluster: Cluster, t: TargetRow, objects: DesiredObjects | Error): Promise<void> {
    const namespace = { group: '', version: 'v1', kind: 'Namespace', name: t.namespace };
    await this.live.use(cluster, t.id, [namespace, ...t.inventory, ...(objects instanceof Error ? [] : objects.objects.map((o) => refOf(o.object)))]);
  }

  /**
   * syncPolicy.mode reportOnly: the plan a sync would make at the revision it would apply, and
   * nothing written. Synced when nothing would change (the target is then at that revision),
   * else OutOfSync saying what would change; when that starts (a new revision, or a change made
   * in the cluster) the PreSync hooks say "would change". Prune is planned as the policy says.
   */
  private async report(t: TargetRow, app: Application, cluster: Cluster, sha: string, desired: DesiredObjects | Error): Promise<Outcome> {
    if (desired instanceof Error) return { nextDueAt: this.interval(app), patch: { desiredRevision: sha, sync: 'Unknown', message: errorMessage(desired) } };
    const engine = this.engine(cluster);
    const plan = await engine.plan({
      target: this.targetOf(t),
      objects: desired.objects,
      inventory: t.inventory,
      prune: app.syncPolicy.prune,
      dryRun: true,
      ...this.takeover(app),
    });
    const health = await engine.health(t.inventory);
    const wouldChange = plan.willChange || plan.counts.failed > 0;
    const info = !wouldChange && t.revision !== sha ? await this.desired.commitInfo(app.repository, sha).catch(() => undefined) : undefined;
    const commit: AppliedCommit | null = info ? { sha, shortSha: info.shortSha, subject: info.subject, author: info.authorName } : t.commit;
    const message = wouldChange ? wouldChangeMessage(plan.changes, plan.counts) : null;
    const news = wouldChange && (t.desiredRevision !== sha || t.sync !== 'OutOfSync');
    const events: Happening[] = news ? [{ type: 'PreSync', trigger: 'schedule', actor: 'flotilla', counts: plan.counts, changes: plan.changes, message: message! }] : [];
    return {
      nextDueAt: this.nextAfter(app, health.status),
      patch: {
        desiredRevision: sha,
        sync: wouldChange ? 'OutOfSync' : 'Synced',
        health: health.status,
        resources: resourcesAfterReport(t.inventory, plan.changes, health),
        message,
        ...(wouldChange ? {} : { revision: sha, commit }),
        failures: 0,
        unreachableSince: null,
        renderer: desired.renderer,
      },
      hooks: { app, sha, events },
    };
  }

  /**
   * onDrift stopApplying, before a new revision goes to a target: drift on fields no rule ignores
   * — checked against the revision the target holds — keeps the revision out, and the status
   * says why, until someone syncs by hand (or the change in the cluster is undone).
   */
  private async driftHold(t: TargetRow, app: Application, cluster: Cluster, sha: string): Promise<Outcome | undefined> {
    const applied = await this.render(app, t, t.revision!, cluster);
    if (applied instanceof Error) {
      // what the target holds cannot be rendered any more: the last check decides
      if (!t.drifting) return undefined;
      return {
        nextDueAt: this.interval(app),
        patch: { desiredRevision: sha, sync: 'OutOfSync', message: `${notApplied(sha)}: the last check found changes made in the cluster${STOP_APPLYING}` },
      };
    }
    const { drift, health } = await this.engine(cluster).check({ target: this.targetOf(t), objects: applied.objects, inventory: t.inventory, ...this.takeover(app) });
    if (!drift.length) return undefined;
    const hooks = await this.hooks.afterCheck(t, health.status, drift);
    return {
      nextDueAt: this.nextAfter(app, health.status),
      patch: {
        desiredRevision: sha,
        sync: 'OutOfSync',
        health: health.status,
        resources: resourcesAfterCheck(t.inventory, drift, health),
        message: `${notApplied(sha)}: ${driftMessage(drift)}${STOP_APPLYING}`,
        failures: 0,
        unreachableSince: null,
        ...hooks.patch,
      },
      hooks: { app, sha, events: hooks.events },
    };
  }

  /** Drift and health without writing to the cluster; says whether self-heal should run. */
  private async check(t: TargetRow, app: Application, cluster: Cluster, sha: string, desired: DesiredObjects | Error): Promise<{ outcome: Outcome } | { heal: Happening[] }> {
    if (desired instanceof Error) return { outcome: { nextDueAt: this.interval(app), patch: { sync: 'Unknown', message: errorMessage(desired) } } };
    const engine = this.engine(cluster);
    const { drift, health } = await engine.check({ target: this.targetOf(t), objects: desired.objects, inventory: t.inventory, ...this.takeover(app) });
    const hooks = await this.hooks.afterCheck(t, health.status, drift);
    const onDrift = onDriftOf(app.syncPolicy);
    const heal = drift.length > 0 && onDrift === 'heal' && app.syncPolicy.automated;
    const verdict = heal ? this.windows.verdict(app) : undefined;
    if (heal && verdict!.allowed) return { heal: hooks.events.filter((e) => e.type === 'DriftDetected') };
    const patch: Partial<TargetRow> = {
      desiredRevision: sha,
      sync: drift.length ? 'OutOfSync' : 'Synced',
      health: health.status,
      resources: resourcesAfterCheck(t.inventory, drift, health),
      message: drift.length ? `${driftMessage(drift)}${verdict ? `; ${windowMessage(verdict)}` : ''}${onDrift === 'stopApplying' ? STOP_APPLYING : ''}` : null,
      failures: 0,
      unreachableSince: null,
      renderer: desired.renderer,
      ...hooks.patch,
    };
    return { outcome: { nextDueAt: this.nextAfter(app, health.status), patch, hooks: { app, sha, events: hooks.events } } };
  }

  private async run(
    t: TargetRow,
    app: Application,
    cluster: Cluster,
    sha: string,
    desired: DesiredObjects | Error,
    trigger: Trigger,
    actor: string,
    signal: AbortSignal,
    drifted: Happening[],
  ): Promise<Outcome> {
    const info = await this.desired.commitInfo(app.repository, sha).catch(() => undefined);
    const commit: AppliedCommit | null = info ? { sha, shortSha: info.shortSha, subject: info.subject, author: info.authorName } : null;
    const started = this.clock.now();
    const run = await this.runs.start({ target: t, revision: sha, trigger, actor }, async (tx, r) => {
      await tx.update(TargetRow, { id: t.id }, { lastRunId: r.id, desiredRevision: sha, ...(drifted.length ? { drifting: true } : {}) });
      await this.hooks.enqueue(tx, app, t, sha, commit, drifted);
    });
    const about = { trigger, actor };
    const finish = async (
      phase: Exclude<RunPhase, 'Running'>,
      message: string,
      targetPatch: Partial<TargetRow>,
      extra: Partial<Parameters<SyncRuns['finish']>[1]> = {},
      events: Happening[] = [],
    ) => {
      this.metrics.runFinished(phase, (this.clock.now() - started) / 1000);
      await this.runs.finish(run, { ...extra, phase, message }, async (tx) => {
        await this.patchTarget(tx, t.id, { lastRunId: run.id, ...targetPatch });
        await this.hooks.enqueue(tx, app, t, sha, commit, events);
      });
      this.hooks.kick();
    };
    const failed = (message: string, changes?: ChangeSetEntry[], counts?: Record<ChangeAction, number>): Happening[] => [
      { type: 'SyncFailed', ...about, message, changes, counts },
    ];
    if (desired instanceof Error) {
      await finish('Failed', errorMessage(desired), { sync: 'Unknown', message: errorMessage(desired), failures: t.failures + 1 }, {}, failed(errorMessage(desired)));
      return { nextDueAt: this.backoff(t.failures + 1) };
    }
    const { objects, renderer } = desired;
    try {
      const engine = this.engine(cluster);
      const plan = await engine.plan({ target: this.targetOf(t), objects, inventory: t.inventory, prune: t.pendingPrune ?? app.syncPolicy.prune, ...this.takeover(app) });
      if (plan.willChange) {
        const presync: Happening = {
          type: 'PreSync',
          ...about,
          counts: plan.counts,
          message: `will apply: ${plan.counts.created} to create, ${plan.counts.configured} to configure, ${plan.counts.pruned} to prune`,
        };
        const gate = await this.hooks.gate(app, t, sha, commit, presync);
        if (!gate.open) {
          await finish(
            'Blocked',
            gate.message,
            { sync: 'OutOfSync', message: `blocked: ${gate.message}`, failures: t.failures + 1 },
            { counts: plan.counts },
            failed(`blocked: ${gate.message}`),
          );
          return { nextDueAt: this.backoff(t.failures + 1) };
        }
        if (await this.db.write((tx) => this.hooks.enqueue(tx, app, t, sha, commit, [presync]))) this.hooks.kick();
      }
      const result = await engine.apply(plan, { signal });
      const phase = result.interrupted ? 'Interrupted' : result.ok ? 'Succeeded' : 'Failed';
      const message = runMessage(result.changes, result.counts, result.interrupted);
      const failures = result.ok ? 0 : t.failures + 1;
      const hooks = result.ok
        ? this.hooks.afterSuccess(t, result.health.status, { type: 'PostSync', ...about, counts: result.counts, changes: result.changes })
        : { events: [], patch: {} };
      const events = result.ok ? hooks.events : result.interrupted ? [] : failed(message, result.changes, result.counts);
      await finish(
        phase,
        message,
        {
          inventory: result.inventory,
          ...(result.ok ? { revision: sha, commit } : {}),
          sync: result.ok ? 'Synced' : 'OutOfSync',
          health: result.health.status,
          resources: resourcesAfterRun(result.inventory, result.changes, result.health),
          message: result.ok ? null : message,
          failures,
          renderer,
          unreachableSince: null,
          ...hooks.patch,
          // an interrupted run is run again, with its trigger, when Flotilla is back
          ...(result.interrupted ? { pendingTrigger: trigger, pendingActor: actor, priority: 0 } : {}),
        },
        { counts: result.counts, changes: result.changes },
        events,
      );
      if (result.interrupted) return { nextDueAt: this.clock.now() };
      return { nextDueAt: result.ok ? this.nextAfter(app, result.health.status) : this.backoff(failures) };
    } catch (e) {
      const unknown = isClusterLevel(e);
      await finish(
        'Failed',
        errorMessage(e),
        {
          sync: unknown ? 'Unknown' : 'OutOfSync',
          ...(unknown ? { health: 'Unknown' as const, unreachableSince: t.unreachableSince ?? this.clock.now() } : {}),
          message: errorMessage(e),
          failures: t.failures + 1,
        },
        {},
        failed(errorMessage(e)),
      );
      return { nextDueAt: this.backoff(t.failures + 1) };
    }
  }

  /**
   * The target left the fan-out (or its application is being deleted with cascade): with prune
   * on, what it deployed is deleted — except cluster-scoped objects the application's other
   * targets on the cluster still hold — and the row goes once that succeeded.
   */
  private async leave(t: TargetRow, app: Application, cluster: Cluster, signal: AbortSignal): Promise<Outcome> {
    const cascade = !!app.deletingSince;
    // a report-only application writes nothing: what a leaving target deployed stays
    if (!(cascade || app.syncPolicy.prune) || t.inventory.length === 0 || (!cascade && app.syncPolicy.mode === 'reportOnly')) {
      await this.remove(t, app);
      return {};
    }
    const others = cascade ? [] : await this.db.manager.find(TargetRow, { where: { application: app.name, cluster: cluster.name, leaving: false }, select: { inventory: true } });
    const retain: ObjectRef[] = others.flatMap((o) => o.inventory.filter((r) => !r.namespace));
    const run = await this.runs.start({ target: t, revision: t.revision, trigger: t.pendingTrigger ?? 'schedule', actor: t.pendingActor ?? 'flotilla' });
    const started = this.clock.now();
    try {
      const result = await this.engine(cluster).sync(
        { target: this.targetOf(t), objects: [], inventory: t.inventory, prune: true, retain, pruneAdopted: app.syncPolicy.pruneAdopted ?? false },
        { signal },
      );
      const phase = result.ok ? 'Succeeded' : result.interrupted ? 'Interrupted' : 'Failed';
      const message = result.ok ? `left the fan-out: pruned ${result.counts.pruned}` : runMessage(result.changes, result.counts, result.interrupted);
      this.metrics.runFinished(phase, (this.clock.now() - started) / 1000);
      await this.runs.finish(run, { phase, message, counts: result.counts, changes: result.changes }, (tx) =>
        this.patchTarget(tx, t.id, { inventory: result.inventory, lastRunId: run.id, message, failures: result.ok ? 0 : t.failures + 1 }),
      );
      if (!result.ok) return { nextDueAt: result.interrupted ? this.clock.now() : this.backoff(t.failures + 1) };
      await this.remove(t, app);
      return {};
    } catch (e) {
      this.metrics.runFinished('Failed', (this.clock.now() - started) / 1000);
      await this.runs.finish(run, { phase: 'Failed', message: errorMessage(e) }, (tx) =>
        this.patchTarget(tx, t.id, { message: `leaving: ${errorMessage(e)}`, failures: t.failures + 1 }),
      );
      return { nextDueAt: this.backoff(t.failures + 1) };
    }
  }

  /** Deletes the target's row; the last one of an application being deleted takes the application with it. */
  private async remove(t: TargetRow, app: Application): Promise<void> {
    this.live.release(t.cluster, t.id);
    await this.db.write(async (tx) => {
      await tx.delete(TargetRow, { id: t.id });
      if (app.deletingSince && !(await tx.existsBy(TargetRow, { application: app.name }))) {
        await tx.delete(Application, { name: app.name });
        await tx.query(`DELETE FROM sync_runs WHERE application = ?`, [app.name]);
        await tx.query(`DELETE FROM rollouts WHERE application = ?`, [app.name]);
        this.events.publish({ type: 'application', application: app.name, change: 'deleted' });
        this.log.log({ application: app.name }, `application ${app.name} deleted with everything it deployed`);
      }
    });
  }

  private async render(app: Application, t: TargetRow, sha: string, cluster: Cluster): Promise<DesiredObjects | Error> {
    try {
      return await this.desired.render(app, this.targetOf(t), t.path, sha, cluster);
    } catch (e) {
      if (e instanceof Error) return e;
      throw e;
    }
  }

  private async release(t: TargetRow, outcome: Outcome): Promise<void> {
    if (outcome.nextDueAt === undefined) return;
    const { id } = t;
    const next = outcome.nextDueAt;
    const written = await this.db.write(async (tx) => {
      if (outcome.patch) await this.patchTarget(tx, id, outcome.patch);
      const h = outcome.hooks;
      const enqueued = h ? await this.hooks.enqueue(tx, h.app, t, h.sha, t.commit, h.events) : false;
      // the claim set priority to periodic: anything lower now means a trigger, a fan-out
      // change or a check request arrived during the work, and it made the row due already
      await tx.query(`UPDATE targets SET owner = NULL, leaseExpiresAt = NULL, dueAt = CASE WHEN priority < 2 THEN dueAt ELSE ? END WHERE id = ? AND owner = ?`, [
        next,
        id,
        this.queue.owner,
      ]);
      return enqueued;
    });
    if (written) this.hooks.kick();
  }

  /** Writes only what changed: an idle fleet's checks cost no status writes. */
  private async patchTarget(tx: EntityManager, id: number, patch: Partial<TargetRow>): Promise<void> {
    const current = await tx.findOneBy(TargetRow, { id });
    if (!current) return;
    const changed = Object.fromEntries(Object.entries(patch).filter(([k, v]) => JSON.stringify(current[k as keyof TargetRow]) !== JSON.stringify(v)));
    if (!Object.keys(changed).length) return;
    await tx.update(TargetRow, { id }, changed);
    if (['sync', 'health', 'revision', 'message'].some((k) => k in changed)) {
      const now = { ...current, ...changed };
      this.events.publish({
        type: 'target',
        application: now.application,
        cluster: now.cluster,
        namespace: now.namespace,
        sync: now.sync,
        health: now.health,
        revision: now.revision,
        message: now.message,
      });
    }
  }

  private failed(t: TargetRow, e: unknown, patch: Partial<TargetRow> = {}): Outcome {
    const unknown = isClusterLevel(e);
    return {
      nextDueAt: this.backoff(t.failures + 1),
      patch: {
        ...(unknown ? { sync: 'Unknown' as const, health: 'Unknown' as const, unreachableSince: t.unreachableSince ?? this.clock.now() } : {}),
        message: errorMessage(e),
        ...patch,
        failures: t.failures + 1,
      },
    };
  }

  /**
   * An automated run outside its sync window: nothing is written to the cluster, the status says
   * until when, and the trigger stays on the row so the run happens as soon as the window opens.
   * The target is given back at once (a waiting target holds no lease) and looked at again when
   * the window opens, or at its interval if that comes first.
   */
  private waitForWindow(t: TargetRow, app: Application, sha: string, verdict: WindowVerdict): Outcome {
    const interval = this.interval(app);
    return {
      nextDueAt: verdict.until ? Math.min(verdict.until.getTime(), interval) : interval,
      patch: {
        desiredRevision: sha,
        ...(t.revision !== sha ? { sync: 'OutOfSync' as const } : {}),
        message: windowMessage(verdict),
        ...(t.pendingTrigger ? { pendingTrigger: t.pendingTrigger, pendingActor: t.pendingActor, pendingRevision: t.pendingRevision, pendingPrune: t.pendingPrune } : {}),
      },
    };
  }

  private async branchOf(repository: string): Promise<string> {
    const r = await this.db.manager.findOne(Repository, { where: { name: repository }, select: { branch: true } });
    return r?.branch ?? 'main';
  }

  private engine(cluster: Cluster): SyncEngine {
    return new SyncEngine(this.clients.forCluster(cluster), { concurrency: this.config.sync.engineConcurrency, clock: this.clock, live: this.live.for(cluster) });
  }

  private takeover(app: Application) {
    return engineRules(app, this.config);
  }

  private targetOf(t: TargetRow): Target {
    return { application: t.application, cluster: t.cluster, namespace: t.namespace };
  }

  private interval(app: Application): number {
    return this.clock.now() + app.syncPolicy.intervalSeconds * 1000;
  }

  private nextAfter(app: Application, health: string): number {
    const recheck = health === 'Progressing' ? Math.min(app.syncPolicy.intervalSeconds, this.config.sync.healthRecheckSeconds) : app.syncPolicy.intervalSeconds;
    return this.clock.now() + recheck * 1000;
  }

  private backoff(failures: number): number {
    const { backoffBaseSeconds, backoffMaxSeconds } = this.config.sync;
    return this.clock.now() + Math.min(backoffMaxSeconds, backoffBaseSeconds * 2 ** Math.max(0, failures - 1)) * 1000;
  }
}
