import { Injectable, Logger, OnApplicationBootstrap, OnModuleDestroy } from '@nestjs/common';
import { In, type EntityManager } from 'typeorm';
import { AuditLog } from '../../audit/audit-log';
import { revisionInfo } from '../../channels/hook-events';
import { HookOutbox } from '../../channels/hook-outbox';
import type { RolloutEvent } from '../../channels/rollout-event';
import { waveSummaries } from '../../channels/rollout-waves';
import { Cluster } from '../../clusters/cluster.entity';
import type { CommitInfo } from '../../git';
import { Scheduler } from '../../common/scheduler';
import { Database } from '../../database/database';
import { LiveEvents } from '../../events/live-events';
import { RepositoryEvents } from '../../repositories/repository-events';
import { Repository } from '../../repositories/repository.entity';
import { Clock } from '../../shared/clock';
import { Application } from '../application.entity';
import { DesiredState } from '../desired-state';
import { PRIORITY } from '../queue-rules';
import { ReconcileQueue } from '../reconcile-queue';
import { SyncRuns } from '../sync-runs';
import { SyncWindowPolicy } from '../sync-window-policy';
import { TargetHooks } from '../target-hooks';
import { TargetPlans } from '../target-plans';
import { Targets } from '../targets';
import { TargetRow, type Trigger } from '../target.entity';
import { ACTIVE_STATES, FINAL_STATES, Rollout, type WaveProgress } from './rollout.entity';
import { stepRollout, type Happening, type Release, type TargetObservation } from './rollout-step';
import { assignWaves } from './waves';

const TICK_MS = 1000;
const key = (cluster: string, namespace: string) => `${cluster}\0${namespace}`;

/** What started the next rollout of an application, as the event sources saw it. */
interface Cause {
  trigger: Trigger;
  actor: string;
}

/**
 * Drives every application that has a `rollout`: notices a new revision (push, poll, a PATCH of
 * `revision`, a rollback pin) and starts a rollout pinned to that SHA — superseding one under
 * way — then moves it through its waves (rollout-step.ts decides; this stores, releases targets
 * to the reconcile queue, and writes hook deliveries and audit entries in the same transaction).
 *
 * Targets learn what they may hold from `targets.releasedRevision`; the reconciler never moves a
 * rollout application's target past it, so targets outside the current wave keep their revision
 * (and their drift checks and self-heal go on at it).
 *
 * Work is event-driven: target, run, application and cluster changes and repository moves mark
 * an application for a look; rollouts that wait on time (soak, unreachable clocks, windows) are
 * looked at every second. An idle fleet with completed rollouts costs nothing.
 */
@Injectable()
export class RolloutController implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly log = new Logger(RolloutController.name);
  /** applications to look at on the next pass */
  private readonly dirty = new Set<string>();
  /** applications whose rollout waits on time or runs: looked at every tick */
  private readonly active = new Set<string>();
  private readonly causes = new Map<string, Cause>();
  private readonly unsubscribe: Array<() => void> = [];
  private running = false;
  private again = false;
  private stopped = false;

  constructor(
    private readonly db: Database,
    private readonly clock: Clock,
    private readonly scheduler: Scheduler,
    private readonly queue: ReconcileQueue,
    private readonly desired: DesiredState,
    private readonly windows: SyncWindowPolicy,
    private readonly outbox: HookOutbox,
    private readonly hooks: TargetHooks,
    private readonly audit: AuditLog,
    private readonly events: LiveEvents,
    private readonly repositoryEvents: RepositoryEvents,
    private readonly runs: SyncRuns,
    private readonly targets: Targets,
    private readonly plans: TargetPlans,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    this.unsubscribe.push(
      this.events.subscribe((e) => {
        if (e.type === 'target' || e.type === 'run') {
          if (this.active.has(e.application)) this.mark(e.application);
        } else if (e.type === 'application') this.mark(e.application);
        else if (e.type === 'cluster') for (const a of this.active) this.mark(a);
      }),
      this.repositoryEvents.onMoved((e) => void this.onMoved(e.repository, e.cause === 'webhook' ? 'webhook' : 'schedule')),
    );
    for (const a of await this.db.manager.find(Application, { select: { name: true, rollout: true } })) if (a.rollout) this.dirty.add(a.name);
    this.scheduler.every('rollouts', TICK_MS, () => this.pass(), { immediate: true });
  }

  onModuleDestroy(): void {
    this.stopped = true;
    this.scheduler.cancel('rollouts');
    for (const u of this.unsubscribe) u();
  }

  /** Looks at an application soon; `cause` says what a new rollout would be started by. */
  mark(application: string, cause?: Cause): void {
    if (cause) this.causes.set(application, cause);
    this.dirty.add(application);
    if (!this.stopped) setImmediate(() => void this.pass());
  }

  private async onMoved(repository: string, trigger: Trigger): Promise<void> {
    const apps = await this.db.manager.find(Application, { where: { repository }, select: { name: true, rollout: true } });
    for (const a of apps) if (a.rollout) this.mark(a.name, { trigger, actor: 'flotilla' });
  }

  /** One pass over the marked and active applications; passes never overlap. */
  async pass(): Promise<void> {
    if (this.running) {
      this.again = true;
      return;
    }
    this.running = true;
    try {
      do {
        this.again = false;
        const names = [...new Set([...this.dirty, ...this.active])];
        this.dirty.clear();
        for (const name of names) {
          if (this.stopped) return;
          try {
            if (await this.evaluate(name)) this.active.add(name);
            else this.active.delete(name);
          } catch (e) {
            this.log.error({ err: e, application: name }, 'rollout step failed');
          }
        }
      } while (this.again && !this.stopped);
    } finally {
      this.running = false;
    }
  }

  /** Moves one application's rollout on; says whether it needs looking at again soon. */
  private async evaluate(name: string): Promise<boolean> {
    const m = this.db.manager;
    const app = await m.findOneBy(Application, { name });
    const latest = await m.findOne(Rollout, { where: { application: name }, order: { id: 'DESC' } });
    if (!app || app.deletingSince || !app.rollout) {
      if (latest && !FINAL_STATES.includes(latest.state)) {
        await this.db.write((tx) =>
          tx.update(
            Rollout,
            { id: latest.id },
            {
              state: 'Superseded',
              message: app ? 'the application no longer has a rollout: every target follows its revision' : 'the application was deleted',
              finishedAt: this.clock.now(),
              updatedAt: this.clock.now(),
            },
          ),
        );
      }
      return false;
    }
    let sha: string;
    try {
      sha = await this.plans.revisionOf(app);
    } catch {
      return false; // the targets show why the revision does not resolve; a move marks it again
    }
    const targets = await m.find(TargetRow, {
      where: { application: name, leaving: false },
      select: {
        id: true,
        cluster: true,
        namespace: true,
        revision: true,
        releasedRevision: true,
        sync: true,
        health: true,
        message: true,
        lastRunId: true,
        unreachableSince: true,
        problem: true,
      },
    });
    const clusters = new Map(
      (await m.find(Cluster, { where: { name: In([...new Set(targets.map((t) => t.cluster))]) }, select: { name: true, labels: true, phase: true, message: true } })).map((c) => [
        c.name,
        c,
      ]),
    );
    const now = this.clock.now();
    let rollout = latest;
    const happenings: Happening[] = [];
    let superseded: Rollout | null = null;
    if (!rollout || rollout.revision !== sha) {
      const cause = this.causes.get(name) ?? { trigger: 'schedule' as Trigger, actor: 'flotilla' };
      this.causes.delete(name);
      const baseline = !rollout && targets.every((t) => t.revision === sha);
      if (rollout && !FINAL_STATES.includes(rollout.state)) superseded = rollout;
      rollout = Object.assign(new Rollout(), {
        application: name,
        revision: sha,
        state: baseline ? 'Completed' : 'Progressing',
        trigger: cause.trigger,
        actor: cause.actor,
        spec: app.rollout,
        waves: [] as WaveProgress[],
        message: null,
        haltedTarget: null,
        supersededBy: null,
        supersedes: superseded?.id ?? null,
        startedAt: now,
        finishedAt: baseline ? now : null,
        updatedAt: now,
      });
      const membership = assignWaves(app.rollout, targets, (c) => clusters.get(c)?.labels ?? {});
      rollout.waves = membership.map((w) => ({
        name: w.name,
        state: baseline ? 'Completed' : 'Pending',
        startedAt: baseline ? now : null,
        finishedAt: baseline ? now : null,
        soakStartedAt: null,
        approvedBy: null,
        promotedBy: null,
        announced: false,
        targets: w.members.map((t) => ({
          cluster: t.cluster,
          namespace: t.namespace,
          state: baseline ? 'Healthy' : 'Waiting',
          from: baseline ? sha : null,
          releasedAt: baseline ? now : null,
          afterRunId: null,
          unreachableSince: null,
          message: null,
        })),
      }));
      if (!baseline) happenings.push({ type: 'RolloutStarted', ...(superseded ? { reason: `supersedes rollout #${superseded.id} of ${superseded.revision.slice(0, 7)}` } : {}) });
    }
    const before = JSON.stringify(rollout);
    const runs = await this.runs.byIds(targets.map((t) => t.lastRunId).filter((id): id is number => id !== null));
    const rows = new Map(targets.map((t) => [key(t.cluster, t.namespace), t]));
    const verdict = this.windows.verdict(app);
    const result = stepRollout(rollout, {
      now,
      membership: assignWaves(rollout.spec, targets, (c) => clusters.get(c)?.labels ?? {}),
      window: { allowed: verdict.allowed, reason: verdict.reason },
      observe: (cluster, namespace): TargetObservation | undefined => {
        const t = rows.get(key(cluster, namespace));
        if (!t) return undefined;
        const c = clusters.get(cluster);
        const down = c && ['Unreachable', 'Unauthorized', 'Error'].includes(c.phase);
        const run = t.lastRunId ? runs.get(t.lastRunId) : undefined;
        return {
          revision: t.revision,
          sync: t.sync,
          health: t.health,
          message: t.message,
          lastRun: run ? { id: run.id, phase: run.phase, revision: run.revision, message: run.message } : null,
          reachable: !down && t.unreachableSince === null,
          ...(down
            ? { unreachableReason: `cluster ${cluster} is ${c.phase}${c.message ? `: ${c.message}` : ''}` }
            : t.unreachableSince !== null
              ? { unreachableReason: t.message ?? 'the cluster does not answer' }
              : {}),
        };
      },
    });
    happenings.push(...result.happenings);
    // a baseline (every target already at the revision) releases nothing, but records what they may hold
    const releases: Release[] = [...result.releases];
    if (rollout.id === undefined && rollout.state === 'Completed') {
      for (const t of targets) if (t.releasedRevision !== sha) releases.push({ cluster: t.cluster, namespace: t.namespace, revision: sha, rollback: false });
    }
    const changed = JSON.stringify(rollout) !== before || rollout.id === undefined;
    if (changed || releases.length || happenings.length) {
      rollout.updatedAt = now;
      const current = rollout;
      // the commit's description is read before the write: never a git process inside a transaction
      const commit = happenings.length ? await this.desired.commitInfo(app.repository, sha).catch(() => undefined) : undefined;
      const written = await this.db.write(async (tx) => {
        if (superseded) {
          await tx.update(Rollout, { id: superseded.id }, { state: 'Superseded', finishedAt: now, updatedAt: now, message: `superseded by a newer revision, ${sha.slice(0, 7)}` });
        }
        await tx.save(Rollout, current);
        if (superseded) await tx.update(Rollout, { id: superseded.id }, { supersededBy: current.id, message: `superseded by rollout #${current.id} of ${sha.slice(0, 7)}` });
        for (const r of releases) await this.targets.setReleasedRevision(tx, { application: name, cluster: r.cluster, namespace: r.namespace }, r.revision);
        return this.record(tx, app, current, happenings, commit);
      });
      if (written) this.hooks.kick();
      for (const r of releases) {
        await this.queue.trigger(
          { application: name, cluster: r.cluster, namespace: r.namespace },
          {
            trigger: r.rollback ? 'rollback' : (current.trigger as Trigger),
            actor: current.actor,
            priority: PRIORITY.urgent,
            resetFailures: true,
          },
        );
      }
      this.events.publish({ type: 'rollout', application: name, id: current.id, state: current.state, revision: current.revision });
    }
    return ACTIVE_STATES.includes(rollout.state) || rollout.state === 'Paused';
  }

  /** Hook deliveries and audit entries for what the step did, in its transaction. */
  private async record(tx: EntityManager, app: Application, r: Rollout, happenings: Happening[], commit: CommitInfo | undefined): Promise<boolean> {
    if (!happenings.length) return false;
    const url = (await tx.findOne(Repository, { where: { name: app.repository }, select: { url: true } }))?.url;
    let written = 0;
    for (const h of happenings) {
      const event: RolloutEvent = {
        type: h.type,
        application: app.name,
        rolloutId: r.id,
        revision: revisionInfo(r.revision, commit ? { subject: commit.subject, author: commit.authorName } : null, url),
        state: r.state,
        waves: waveSummaries(r.waves) ?? [],
        trigger: r.trigger,
        actor: r.actor,
        ...(h.wave ? { wave: h.wave } : {}),
        ...(h.target ? { target: h.target } : {}),
        ...(h.reason ? { reason: h.reason } : {}),
        ...(h.type === 'RolloutStarted' && r.supersedes ? { supersedes: r.supersedes } : {}),
      };
      if (app.hooks.length) written += await this.outbox.enqueueRollout(tx, app.hooks, event);
      await this.audit.recordIn(tx, {
        actor: 'flotilla',
        action: `rollout.${h.type[0].toLowerCase()}${h.type.slice(1)}`,
        subject: `${app.name}/rollouts/${r.id}`,
        outcome: r.state,
        details: { revision: r.revision, ...(h.wave ? { wave: h.wave } : {}), ...(h.target ? { target: h.target } : {}), ...(h.reason ? { reason: h.reason } : {}) },
      });
    }
    return written > 0;
  }
}
