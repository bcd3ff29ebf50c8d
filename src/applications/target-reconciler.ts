import { Injectable, Logger, OnModuleInit } from '@nestjs/common';
import type { GateVerdict } from '../channels/hook-gates';
import { AppConfig } from '../config/app-config';
import { Database } from '../database/database';
import type { ChangeAction, ChangeSetEntry, HealthStatus, ObjectRef, SyncEngine, SyncPlan } from '../engine';
import { isClusterLevel } from '../kube';
import { Clock, type Timer } from '../shared/clock';
import { Application, onDriftOf } from './application.entity';
import { ApplicationMetrics } from './application-metrics';
import { DesiredState, type DesiredObjects } from './desired-state';
import { LiveEvents } from '../events/live-events';
import { LiveCaches } from './live-caches';
import { nextDueAt, PRIORITY, renewalMs, type NextLook } from './queue-rules';
import { ReconcileQueue } from './reconcile-queue';
import { SyncRuns, type RunEnd } from './sync-runs';
import { SyncWindowPolicy } from './sync-window-policy';
import type { WindowVerdict } from '../shared/sync-windows';
import type { RunPhase, SyncRun } from './sync-run.entity';
import { TargetHooks, type Happening } from './target-hooks';
import { TargetPlans, type TargetPlan } from './target-plans';
import { Targets, type TargetPatch } from './targets';
import type { AppliedCommit, TargetRow, Trigger } from './target.entity';
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
  patch?: TargetPatch;
  /** hook events a check found, written to the outbox with the patch */
  hooks?: { app: Application; sha: string; events: Happening[] };
}

/** One run of a target, as the look at it decided: what to apply, at which commit, why and for whom. */
export interface TargetRun {
  plan: TargetPlan;
  /** the commit the run applies */
  sha: string;
  /** what git says the target should hold at `sha`, or why it could not be rendered (the run then fails saying so) */
  desired: DesiredObjects | Error;
  trigger: Trigger;
  actor: string;
  /** aborted when Flotilla shuts down or the target is removed: the apply stops between objects */
  signal: AbortSignal;
  /** the drift a selfHeal run heals: its DriftDetected events go out as the run starts */
  drifted: Happening[];
}

/** A run under way: its row, when it started, and the commit it applies (for hooks and status). */
interface RunUnderWay {
  run: SyncRun;
  started: number;
  commit: AppliedCommit | null;
}

/** A run's plan as made: by which engine, of which objects. */
interface Planned {
  engine: SyncEngine;
  plan: SyncPlan;
  desired: DesiredObjects;
}

/** How a run ends: the run's phase and message, the target's status, the events to send, when to look again. */
interface RunEnding {
  phase: Exclude<RunPhase, 'Running'>;
  message: string;
  patch: TargetPatch;
  run?: Pick<RunEnd, 'counts' | 'changes'>;
  events?: Happening[];
  next: NextLook;
}

/**
 * The work on one due target. With a pending trigger it runs a sync; otherwise it is the
 * interval check — a new revision means a run (automated), drift means a selfHeal run (selfHeal)
 * or OutOfSync, and health is read again. A target that left the fan-out is emptied (prune on)
 * and removed. Every path ends by giving the target back to the queue with its next due time
 * (queue-rules.ts): the interval, the health recheck while Progressing, or the backoff after a
 * failure. The target's row is written through the Targets store only.
 */
@Injectable()
export class TargetReconciler implements OnModuleInit {
  private readonly log = new Logger(TargetReconciler.name);

  constructor(
    private readonly db: Database,
    private readonly config: AppConfig,
    private readonly clock: Clock,
    private readonly desired: DesiredState,
    private readonly runs: SyncRuns,
    private readonly queue: ReconcileQueue,
    private readonly targets: Targets,
    private readonly plans: TargetPlans,
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
    const renewEvery = renewalMs(this.config.sync.leaseSeconds);
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
    const app = await this.db.manager.findOneBy(Application, { name: t.application });
    const plan = app ? await this.plans.planFor(app, t, { revision: t.pendingRevision }) : undefined;
    if (!app || !plan?.cluster) {
      // deleted without cascade, or the cluster is no longer managed: its workloads stay
      await this.db.write((tx) => this.targets.remove(tx, t.id));
      return {};
    }
    if (t.leaving || app.deletingSince) return this.leave(plan, signal);
    if (t.problem) return { nextDueAt: this.interval(app), patch: { sync: 'Unknown', health: 'Unknown', message: t.problem } };

    let sha: string;
    // with a rollout, a target holds what its rollout released to it (or what it has) until its
    // wave comes; a manual sync's own revision still goes (SPEC §1 Rollouts)
    const held = app.rollout && !t.pendingRevision ? (t.releasedRevision ?? t.revision) : undefined;
    if (held === null) {
      return { nextDueAt: this.interval(app), patch: { sync: 'OutOfSync', message: 'waiting for its rollout wave' } };
    }
    try {
      sha = held ?? (await plan.sha());
    } catch (e) {
      return this.failed(t, e, { sync: 'Unknown', message: `cannot resolve the revision: ${errorMessage(e)}` });
    }
    if (app.syncPolicy.mode === 'reportOnly') {
      const objects = await this.render(plan, sha);
      await plan.watch(objects);
      return this.report(plan, sha, objects);
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
    const objects = await this.render(plan, sha);
    await plan.watch(objects);
    // onDrift stopApplying: changes made in the cluster stay until someone syncs by hand
    if (trigger && AUTOMATED.has(trigger) && trigger !== 'selfHeal' && onDriftOf(app.syncPolicy) === 'stopApplying' && t.revision && t.revision !== sha) {
      const hold = await this.driftHold(plan, sha);
      if (hold) return hold;
    }
    let drifted: Happening[] = [];
    if (!trigger) {
      const check = await this.check(plan, sha, objects);
      if ('outcome' in check) return check.outcome;
      trigger = 'selfHeal';
      actor = 'flotilla';
      drifted = check.heal;
    }
    return this.run({ plan, sha, desired: objects, trigger, actor, signal, drifted });
  }

  /**
   * syncPolicy.mode reportOnly: the plan a sync would make at the revision it would apply, and
   * nothing written. Synced when nothing would change (the target is then at that revision),
   * else OutOfSync saying what would change; when that starts (a new revision, or a change made
   * in the cluster) the PreSync hooks say "would change". Prune is planned as the policy says.
   */
  private async report(p: TargetPlan, sha: string, desired: DesiredObjects | Error): Promise<Outcome> {
    const { app, row: t } = p;
    if (desired instanceof Error) return { nextDueAt: this.interval(app), patch: { desiredRevision: sha, sync: 'Unknown', message: errorMessage(desired) } };
    const engine = p.engine();
    const plan = await engine.plan(p.request(desired.objects, { dryRun: true }));
    const health = await engine.health(t.inventory);
    const wouldChange = plan.willChange || plan.counts.failed > 0;
    const info = !wouldChange && t.revision !== sha ? await this.desired.commitInfo(app.repository, sha).catch(() => undefined) : undefined;
    const commit: AppliedCommit | null = info ? { sha, shortSha: info.shortSha, subject: info.subject, author: info.authorName } : t.commit;
    const message = wouldChange ? wouldChangeMessage(plan.changes, plan.counts) : null;
    const news = wouldChange && (t.desiredRevision !== sha || t.sync !== 'OutOfSync');
    const events: Happening[] = news ? [{ type: 'PreSync', trigger: 'schedule', actor: 'flotilla', counts: plan.counts, changes: plan.changes, message: message! }] : [];
    return {
      nextDueAt: this.afterHealth(app, health.status),
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
  private async driftHold(p: TargetPlan, sha: string): Promise<Outcome | undefined> {
    const { app, row: t } = p;
    const applied = await this.render(p, t.revision!);
    if (applied instanceof Error) {
      // what the target holds cannot be rendered any more: the last check decides
      if (!t.drifting) return undefined;
      return {
        nextDueAt: this.interval(app),
        patch: { desiredRevision: sha, sync: 'OutOfSync', message: `${notApplied(sha)}: the last check found changes made in the cluster${STOP_APPLYING}` },
      };
    }
    const { drift, health } = await p.engine().check(p.check(applied.objects));
    if (!drift.length) return undefined;
    const hooks = await this.hooks.afterCheck(t, health.status, drift);
    return {
      nextDueAt: this.afterHealth(app, health.status),
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
  private async check(p: TargetPlan, sha: string, desired: DesiredObjects | Error): Promise<{ outcome: Outcome } | { heal: Happening[] }> {
    const { app, row: t } = p;
    if (desired instanceof Error) return { outcome: { nextDueAt: this.interval(app), patch: { sync: 'Unknown', message: errorMessage(desired) } } };
    const { drift, health } = await p.engine().check(p.check(desired.objects));
    const hooks = await this.hooks.afterCheck(t, health.status, drift);
    const onDrift = onDriftOf(app.syncPolicy);
    const heal = drift.length > 0 && onDrift === 'heal' && app.syncPolicy.automated;
    const verdict = heal ? this.windows.verdict(app) : undefined;
    if (heal && verdict!.allowed) return { heal: hooks.events.filter((e) => e.type === 'DriftDetected') };
    const patch: TargetPatch = {
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
    return { outcome: { nextDueAt: this.afterHealth(app, health.status), patch, hooks: { app, sha, events: hooks.events } } };
  }

  /** A sync run: started and recorded, planned, gated, applied, recorded again — each a step below. */
  private async run(r: TargetRun): Promise<Outcome> {
    const t = r.plan.row;
    const under = await this.startRun(r);
    if (r.desired instanceof Error) {
      const message = errorMessage(r.desired);
      return this.record(r, under, {
        phase: 'Failed',
        message,
        patch: { sync: 'Unknown', message, failures: t.failures + 1 },
        events: failedEvents(r, message),
        next: { after: 'failures', failures: t.failures + 1 },
      });
    }
    const desired = r.desired;
    try {
      const engine = r.plan.engine();
      const plan = await engine.plan(r.plan.request(desired.objects, { prune: t.pendingPrune }));
      const gate = await this.gate(r, under, plan);
      if (!gate.open) {
        return await this.record(r, under, {
          phase: 'Blocked',
          message: gate.message,
          patch: { sync: 'OutOfSync', message: `blocked: ${gate.message}`, failures: t.failures + 1 },
          run: { counts: plan.counts },
          events: failedEvents(r, `blocked: ${gate.message}`),
          next: { after: 'failures', failures: t.failures + 1 },
        });
      }
      return await this.record(r, under, await this.apply(r, under, { engine, plan, desired }));
    } catch (e) {
      const unknown = isClusterLevel(e);
      return this.record(r, under, {
        phase: 'Failed',
        message: errorMessage(e),
        patch: {
          sync: unknown ? 'Unknown' : 'OutOfSync',
          ...(unknown ? { health: 'Unknown' as const, unreachableSince: t.unreachableSince ?? this.clock.now() } : {}),
          message: errorMessage(e),
          failures: t.failures + 1,
        },
        events: failedEvents(r, errorMessage(e)),
        next: { after: 'failures', failures: t.failures + 1 },
      });
    }
  }

  /** The run's row and audit entry, with the target's last run and desired revision (and a selfHeal run's drift events) in the same transaction. */
  private async startRun(r: TargetRun): Promise<RunUnderWay> {
    const { plan, sha, trigger, actor, drifted } = r;
    const info = await this.desired.commitInfo(plan.app.repository, sha).catch(() => undefined);
    const commit: AppliedCommit | null = info ? { sha, shortSha: info.shortSha, subject: info.subject, author: info.authorName } : null;
    const started = this.clock.now();
    const run = await this.runs.start({ target: plan.row, revision: sha, trigger, actor }, async (tx, run) => {
      await this.targets.recordRunStart(tx, plan.row.id, run.id, sha, drifted.length > 0);
      await this.hooks.enqueue(tx, plan.app, plan.row, sha, commit, drifted);
    });
    return { run, started, commit };
  }

  /**
   * The PreSync gate: a run that will change something asks the gate hooks first; when they let
   * it through, the PreSync event goes out before anything is applied.
   */
  private async gate(r: TargetRun, under: RunUnderWay, plan: SyncPlan): Promise<GateVerdict> {
    if (!plan.willChange) return { open: true };
    const { app, row: t } = r.plan;
    const presync: Happening = {
      type: 'PreSync',
      trigger: r.trigger,
      actor: r.actor,
      counts: plan.counts,
      message: `will apply: ${plan.counts.created} to create, ${plan.counts.configured} to configure, ${plan.counts.pruned} to prune`,
    };
    const gate = await this.hooks.gate(app, t, r.sha, under.commit, presync);
    if (!gate.open) return gate;
    if (await this.db.write((tx) => this.hooks.enqueue(tx, app, t, r.sha, under.commit, [presync]))) this.hooks.kick();
    return gate;
  }

  /** Applies the plan; how the run ends follows from the result. */
  private async apply(r: TargetRun, under: RunUnderWay, { engine, plan, desired }: Planned): Promise<RunEnding> {
    const t = r.plan.row;
    const result = await engine.apply(plan, { signal: r.signal });
    const phase = result.interrupted ? 'Interrupted' : result.ok ? 'Succeeded' : 'Failed';
    const message = runMessage(result.changes, result.counts, result.interrupted);
    const failures = result.ok ? 0 : t.failures + 1;
    const hooks = result.ok
      ? this.hooks.afterSuccess(t, result.health.status, { type: 'PostSync', trigger: r.trigger, actor: r.actor, counts: result.counts, changes: result.changes })
      : { events: [], patch: {} };
    return {
      phase,
      message,
      patch: {
        inventory: result.inventory,
        ...(result.ok ? { revision: r.sha, commit: under.commit } : {}),
        sync: result.ok ? 'Synced' : 'OutOfSync',
        health: result.health.status,
        resources: resourcesAfterRun(result.inventory, result.changes, result.health),
        message: result.ok ? null : message,
        failures,
        renderer: desired.renderer,
        unreachableSince: null,
        ...hooks.patch,
        // an interrupted run is run again, with its trigger, when Flotilla is back
        ...(result.interrupted ? { pendingTrigger: r.trigger, pendingActor: r.actor, priority: PRIORITY.urgent } : {}),
      },
      run: { counts: result.counts, changes: result.changes },
      events: result.ok ? hooks.events : result.interrupted ? [] : failedEvents(r, message, result.changes, result.counts),
      next: result.interrupted ? { after: 'now' } : result.ok ? this.settled(r.plan.app, result.health.status) : { after: 'failures', failures },
    };
  }

  /** Completes the run with the target's status and the run's hook events in one transaction; the next due time is counted from then. */
  private async record(r: TargetRun, under: RunUnderWay, end: RunEnding): Promise<Outcome> {
    const { app, row: t } = r.plan;
    this.metrics.runFinished(end.phase, (this.clock.now() - under.started) / 1000);
    await this.runs.finish(under.run, { ...end.run, phase: end.phase, message: end.message }, async (tx) => {
      await this.targets.recordRun(tx, t.id, { lastRunId: under.run.id, ...end.patch });
      await this.hooks.enqueue(tx, app, t, r.sha, under.commit, end.events ?? []);
    });
    this.hooks.kick();
    return { nextDueAt: this.due(end.next) };
  }

  /**
   * The target left the fan-out (or its application is being deleted with cascade): with prune
   * on, what it deployed is deleted — except cluster-scoped objects the application's other
   * targets on the cluster still hold — and the row goes once that succeeded.
   */
  private async leave(p: TargetPlan, signal: AbortSignal): Promise<Outcome> {
    const { app, row: t } = p;
    const cascade = !!app.deletingSince;
    // a report-only application writes nothing: what a leaving target deployed stays
    if (!(cascade || app.syncPolicy.prune) || t.inventory.length === 0 || (!cascade && app.syncPolicy.mode === 'reportOnly')) {
      await this.remove(t, app);
      return {};
    }
    const others = cascade ? [] : await this.targets.heldOn(app.name, t.cluster);
    const retain: ObjectRef[] = others.flatMap((inventory) => inventory.filter((r) => !r.namespace));
    const run = await this.runs.start({ target: t, revision: t.revision, trigger: t.pendingTrigger ?? 'schedule', actor: t.pendingActor ?? 'flotilla' });
    const started = this.clock.now();
    try {
      const result = await p
        .engine()
        .sync({ target: p.target, objects: [], inventory: t.inventory, prune: true, retain, pruneAdopted: app.syncPolicy.pruneAdopted ?? false }, { signal });
      const phase = result.ok ? 'Succeeded' : result.interrupted ? 'Interrupted' : 'Failed';
      const message = result.ok ? `left the fan-out: pruned ${result.counts.pruned}` : runMessage(result.changes, result.counts, result.interrupted);
      this.metrics.runFinished(phase, (this.clock.now() - started) / 1000);
      await this.runs.finish(run, { phase, message, counts: result.counts, changes: result.changes }, (tx) =>
        this.targets.recordRun(tx, t.id, { inventory: result.inventory, lastRunId: run.id, message, failures: result.ok ? 0 : t.failures + 1 }),
      );
      if (!result.ok) return { nextDueAt: result.interrupted ? this.due({ after: 'now' }) : this.backoff(t.failures + 1) };
      await this.remove(t, app);
      return {};
    } catch (e) {
      this.metrics.runFinished('Failed', (this.clock.now() - started) / 1000);
      await this.runs.finish(run, { phase: 'Failed', message: errorMessage(e) }, (tx) =>
        this.targets.recordRun(tx, t.id, { message: `leaving: ${errorMessage(e)}`, failures: t.failures + 1 }),
      );
      return { nextDueAt: this.backoff(t.failures + 1) };
    }
  }

  /** Deletes the target's row; the last one of an application being deleted takes the application with it. */
  private async remove(t: TargetRow, app: Application): Promise<void> {
    this.live.release(t.cluster, t.id);
    await this.db.write(async (tx) => {
      await this.targets.remove(tx, t.id);
      if (app.deletingSince && !(await this.targets.anyOf(tx, app.name))) {
        await tx.delete(Application, { name: app.name });
        await tx.query(`DELETE FROM sync_runs WHERE application = ?`, [app.name]);
        await tx.query(`DELETE FROM rollouts WHERE application = ?`, [app.name]);
        this.events.publish({ type: 'application', application: app.name, change: 'deleted' });
        this.log.log({ application: app.name }, `application ${app.name} deleted with everything it deployed`);
      }
    });
  }

  /** The render at `sha`, or why there is none (a run or check then says so). */
  private async render(p: TargetPlan, sha: string): Promise<DesiredObjects | Error> {
    try {
      return await p.render(sha);
    } catch (e) {
      if (e instanceof Error) return e;
      throw e;
    }
  }

  /** Stores what the look at the target found, with its hook events, and gives the target back to the queue. */
  private async release(t: TargetRow, outcome: Outcome): Promise<void> {
    if (outcome.nextDueAt === undefined) return;
    const next = outcome.nextDueAt;
    const written = await this.db.write(async (tx) => {
      if (outcome.patch) await this.targets.recordCheck(tx, t.id, outcome.patch);
      const h = outcome.hooks;
      const enqueued = h ? await this.hooks.enqueue(tx, h.app, t, h.sha, t.commit, h.events) : false;
      await this.targets.release(tx, t.id, next);
      return enqueued;
    });
    if (written) this.hooks.kick();
  }

  private failed(t: TargetRow, e: unknown, patch: TargetPatch = {}): Outcome {
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
    return {
      nextDueAt: this.due({ after: 'window', intervalSeconds: app.syncPolicy.intervalSeconds, opensAt: verdict.until?.getTime() ?? null }),
      patch: {
        desiredRevision: sha,
        ...(t.revision !== sha ? { sync: 'OutOfSync' as const } : {}),
        message: windowMessage(verdict),
        ...(t.pendingTrigger ? { pendingTrigger: t.pendingTrigger, pendingActor: t.pendingActor, pendingRevision: t.pendingRevision, pendingPrune: t.pendingPrune } : {}),
      },
    };
  }

  /** When the target is due again, counted from now (queue-rules.ts). */
  private due(next: NextLook): number {
    return nextDueAt(this.clock.now(), next, this.config.sync);
  }

  private interval(app: Application): number {
    return this.due({ after: 'interval', intervalSeconds: app.syncPolicy.intervalSeconds });
  }

  /** after a look that read health: sooner while Progressing */
  private settled(app: Application, health: HealthStatus): NextLook {
    return { after: 'health', intervalSeconds: app.syncPolicy.intervalSeconds, health };
  }

  private afterHealth(app: Application, health: HealthStatus): number {
    return this.due(this.settled(app, health));
  }

  private backoff(failures: number): number {
    return this.due({ after: 'failures', failures });
  }
}

function failedEvents(r: TargetRun, message: string, changes?: ChangeSetEntry[], counts?: Record<ChangeAction, number>): Happening[] {
  return [{ type: 'SyncFailed', trigger: r.trigger, actor: r.actor, message, changes, counts }];
}
