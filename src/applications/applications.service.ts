import { Injectable, OnModuleDestroy, OnModuleInit } from '@nestjs/common';
import { In, MoreThan, type EntityManager } from 'typeorm';
import { Channel } from '../channels/channel.entity';
import { clusterResourceProblem, DEFAULT_CLUSTER_RESOURCES, ignoreRuleOf, ignoreRuleProblem, type IgnoreRule } from '../engine';
import type { Hook } from '../channels/hook-events';
import { Cluster } from '../clusters/cluster.entity';
import { matches, parseSelector } from '../shared/label-selector';
import { AppConfig } from '../config/app-config';
import { Database } from '../database/database';
import { LiveEvents } from '../events/live-events';
import { RepositoryUsage } from '../repositories/repository-usage';
import { Repository } from '../repositories/repository.entity';
import { Clock } from '../shared/clock';
import { ConflictError, InvalidInputError, NotFoundError } from '../shared/errors';
import { Application, onDriftOf, type SyncPolicy } from './application.entity';
import type { CreateApplicationDto, HelmDto, HookDto, IgnoreDifferenceDto, SyncPolicyDto, SyncRequestDto, SyncWindowDto, UpdateApplicationDto } from './dto/application.dto';
import { checkDefinition, checkTemplate, type Destination } from './fan-out';
import { PRIORITY } from './queue-rules';
import { ReconcileQueue } from './reconcile-queue';
import { SyncRuns } from './sync-runs';
import type { TargetRow } from './target.entity';
import { Targets } from './targets';
import { TargetSet } from './target-set';
import { RolloutController } from './rollout/rollout-controller';
import type { RolloutSpec } from './rollout/rollout.entity';
import { namedClusters, rolloutSpecOf } from './rollout/waves';
import { SyncWindowPolicy } from './sync-window-policy';
import { windowOf, windowProblem, type SyncWindow } from '../shared/sync-windows';

export interface Page<T> {
  items: T[];
  nextCursor: string | null;
}

/** Applications as stored definitions, and what people ask of them: sync, rollback, delete. */
@Injectable()
export class ApplicationsService implements OnModuleInit, OnModuleDestroy {
  private unregisterUsage?: () => void;

  constructor(
    private readonly db: Database,
    private readonly config: AppConfig,
    private readonly clock: Clock,
    private readonly fanOut: TargetSet,
    private readonly targets: Targets,
    private readonly queue: ReconcileQueue,
    private readonly runs: SyncRuns,
    private readonly usage: RepositoryUsage,
    private readonly events: LiveEvents,
    private readonly windows: SyncWindowPolicy,
    private readonly rollouts: RolloutController,
  ) {}

  onModuleInit(): void {
    this.unregisterUsage = this.usage.register(async (repository) =>
      (await this.db.manager.find(Application, { where: { repository }, select: { name: true } })).map((a) => `application "${a.name}"`),
    );
  }

  onModuleDestroy(): void {
    this.unregisterUsage?.();
  }

  async list(q: { selector?: string; limit: number; cursor?: string }): Promise<Page<Application>> {
    const requirements = parseSelector(q.selector ?? '');
    const repo = this.db.manager.getRepository(Application);
    const items: Application[] = [];
    let after = q.cursor;
    // the selector is over JSON labels, so with one, filter in batches until a page is full
    const batchSize = requirements.length ? 500 : q.limit + 1;
    for (;;) {
      const batch = await repo.find({ where: after ? { name: MoreThan(after) } : {}, order: { name: 'ASC' }, take: batchSize });
      for (const a of batch) {
        if (!matches(requirements, a.labels)) continue;
        if (items.length === q.limit) return { items, nextCursor: items[items.length - 1].name };
        items.push(a);
      }
      if (batch.length < batchSize) return { items, nextCursor: null };
      after = batch[batch.length - 1].name;
    }
  }

  async get(name: string): Promise<Application> {
    const app = await this.db.manager.findOneBy(Application, { name });
    if (!app) throw new NotFoundError('application', name);
    return app;
  }

  async create(dto: CreateApplicationDto): Promise<Application> {
    this.checkDefinition(dto.path, dto.destinations);
    const policy = this.policy(undefined, dto.syncPolicy);
    const rollout = dto.rollout ? rolloutSpecOf(dto.rollout) : null;
    checkModeWithRollout(policy, rollout);
    const syncWindows = windowsOf(dto.syncWindows ?? []);
    const ignoreDifferences = ignoreRulesOf(dto.ignoreDifferences ?? []);
    await this.db.write(async (tx) => {
      if (await tx.existsBy(Application, { name: dto.name })) throw new ConflictError(`application "${dto.name}" already exists`);
      await this.checkReferences(tx, dto.repository, dto.destinations);
      await this.checkWaveClusters(tx, rollout);
      const app = tx.create(Application, {
        name: dto.name,
        labels: dto.labels ?? {},
        repository: dto.repository,
        path: dto.path,
        revision: dto.revision ?? null,
        rollout,
        syncWindows,
        ignoreDifferences,
        destinations: dto.destinations.map(destination),
        syncPolicy: policy,
        hooks: await this.hooksOf(tx, dto.hooks ?? []),
        helm: helmOf(dto.helm),
        pinnedRevision: null,
        pinnedSyncRunId: null,
        pinnedAt: null,
        deletingSince: null,
      });
      await tx.save(app);
      await this.fanOut.expand(tx, app);
    });
    this.queue.kick();
    this.events.publish({ type: 'application', application: dto.name, change: 'created' });
    return this.get(dto.name);
  }

  async update(name: string, dto: UpdateApplicationDto): Promise<Application> {
    const current = await this.get(name);
    const path = dto.path ?? current.path;
    const destinations = dto.destinations?.map(destination) ?? current.destinations;
    this.checkDefinition(path, destinations);
    const policy = this.policy(current.syncPolicy, dto.syncPolicy);
    const rollout = dto.rollout ? rolloutSpecOf(dto.rollout) : dto.rollout;
    checkModeWithRollout(policy, rollout === undefined ? current.rollout : rollout);
    const syncWindows = dto.syncWindows ? windowsOf(dto.syncWindows) : undefined;
    const ignoreDifferences = dto.ignoreDifferences ? ignoreRulesOf(dto.ignoreDifferences) : undefined;
    await this.db.write(async (tx) => {
      const app = await tx.findOneBy(Application, { name });
      if (!app) throw new NotFoundError('application', name);
      if (app.deletingSince) throw new ConflictError(`application "${name}" is being deleted`);
      await this.checkReferences(tx, dto.repository ?? app.repository, dto.destinations ? destinations : []);
      await this.checkWaveClusters(tx, rollout ?? null);
      Object.assign(app, { path, destinations, syncPolicy: policy });
      if (rollout !== undefined) app.rollout = rollout;
      if (syncWindows !== undefined) app.syncWindows = syncWindows;
      if (ignoreDifferences !== undefined) app.ignoreDifferences = ignoreDifferences;
      if (dto.labels !== undefined) app.labels = dto.labels;
      if (dto.hooks !== undefined) app.hooks = await this.hooksOf(tx, dto.hooks);
      if (dto.helm !== undefined) app.helm = helmOf(dto.helm);
      if (dto.repository !== undefined) app.repository = dto.repository;
      if (dto.revision !== undefined) {
        // setting a revision, even the same one, is what ends a rollback's pin
        Object.assign(app, { revision: dto.revision, pinnedRevision: null, pinnedSyncRunId: null, pinnedAt: null });
      }
      await tx.save(app);
      await this.fanOut.expand(tx, app);
    });
    // what the targets should hold may have changed (path, values, revision): automated
    // applications sync it, the others show it at once
    const app = await this.get(name);
    if (app.syncPolicy.automated) await this.queue.trigger({ application: name }, { trigger: 'schedule', actor: 'flotilla', priority: PRIORITY.urgent, resetFailures: true });
    else await this.queue.checkNow({ application: name }, true);
    this.events.publish({ type: 'application', application: name, change: 'updated' });
    return this.get(name);
  }

  /** Without cascade the definition goes and deployed objects stay; with it, they are deleted first. */
  async remove(name: string, cascade: boolean): Promise<Application | undefined> {
    await this.db.write(async (tx) => {
      const app = await tx.findOneBy(Application, { name });
      if (!app) throw new NotFoundError('application', name);
      if (cascade) checkWrites(app, 'a cascade deletion deletes objects in the clusters; delete without cascade, or set syncPolicy.mode to apply first');
      if (cascade) {
        if (!app.deletingSince) await tx.update(Application, { name }, { deletingSince: this.clock.date() });
        await this.targets.markLeaving(tx, { application: name }, { message: 'application deleted: deleting its objects', priority: PRIORITY.urgent, resetFailures: true });
        return;
      }
      const ids = await this.targets.removeAll(tx, name);
      this.queue.abort((_c, id) => ids.includes(id));
      await tx.delete(Application, { name });
      await tx.query(`DELETE FROM sync_runs WHERE application = ?`, [name]);
      await tx.query(`DELETE FROM rollouts WHERE application = ?`, [name]);
    });
    this.events.publish({ type: 'application', application: name, change: cascade ? 'updated' : 'deleted' });
    if (!cascade) return undefined;
    this.queue.kick();
    return this.db.manager.findOneBy(Application, { name }).then((a) => a ?? undefined);
  }

  /** Queues a run of the chosen targets (all by default), ahead of periodic work. */
  async sync(name: string, dto: SyncRequestDto, actor: string): Promise<TargetRow[]> {
    const app = await this.get(name);
    if (app.deletingSince) throw new ConflictError(`application "${name}" is being deleted`);
    checkWrites(app, 'use dryRun: true to see what a sync would do, or set syncPolicy.mode to apply');
    this.checkManualWindow(app, 'sync');
    const chosen = await this.chooseTargets(name, dto.targets);
    for (const t of chosen) {
      await this.queue.trigger(
        { application: name, cluster: t.cluster, namespace: t.namespace },
        {
          trigger: 'manual',
          actor,
          revision: dto.revision ?? null,
          prune: dto.prune ?? null,
          resetFailures: true,
        },
      );
    }
    return chosen;
  }

  /** Re-applies an earlier run's revision everywhere and pins the application to it. */
  async rollback(name: string, syncRunId: number, actor: string): Promise<{ revision: string; targets: TargetRow[] }> {
    const run = await this.runs.get(name, syncRunId);
    if (!run.revision) throw new InvalidInputError(`sync run ${syncRunId} has no revision to roll back to`);
    const current = await this.get(name);
    checkWrites(current, 'set syncPolicy.mode to apply to roll back');
    this.checkManualWindow(current, 'rollback');
    await this.db.write(async (tx) => {
      const app = await tx.findOneBy(Application, { name });
      if (!app) throw new NotFoundError('application', name);
      if (app.deletingSince) throw new ConflictError(`application "${name}" is being deleted`);
      await tx.update(Application, { name }, { pinnedRevision: run.revision, pinnedSyncRunId: run.id, pinnedAt: this.clock.date() });
    });
    if (current.rollout) {
      // a rollback is a new revision like any other: it goes through the waves
      this.rollouts.mark(name, { trigger: 'rollback', actor });
      return { revision: run.revision, targets: [] };
    }
    await this.queue.trigger({ application: name }, { trigger: 'rollback', actor, resetFailures: true });
    return { revision: run.revision, targets: await this.chooseTargets(name, undefined) };
  }

  /** 409 when the sync windows forbid a manual sync now, saying until when. */
  private checkManualWindow(app: Application, what: string): void {
    const verdict = this.windows.verdict(app);
    if (verdict.manualAllowed) return;
    throw new ConflictError(
      `${what} refused by the sync windows: ${verdict.reason ?? 'sync is not allowed now'}${verdict.until ? ` (allowed again at ${verdict.until.toISOString()})` : ''}`,
    );
  }

  /** Every cluster a wave names must be registered: 400 naming which. */
  private async checkWaveClusters(tx: EntityManager, rollout: RolloutSpec | null): Promise<void> {
    const named = rollout ? namedClusters(rollout) : [];
    if (!named.length) return;
    const found = new Set((await tx.find(Cluster, { where: { name: In(named) }, select: { name: true } })).map((c) => c.name));
    const missing = named.filter((c) => !found.has(c));
    if (missing.length) throw new InvalidInputError(`rollout.waves: no cluster ${missing.map((c) => `"${c}"`).join(', ')} is registered`);
  }

  /** Targets by (cluster, namespace); 400 naming any the application does not have. */
  async chooseTargets(name: string, wanted: { cluster: string; namespace: string }[] | undefined): Promise<TargetRow[]> {
    const all = await this.targets.active(name);
    if (!wanted) return all;
    const missing = wanted.filter((w) => !all.some((t) => t.cluster === w.cluster && t.namespace === w.namespace));
    if (missing.length) throw new InvalidInputError(`targets: application "${name}" has no target ${missing.map((m) => `${m.cluster}/${m.namespace}`).join(', ')}`);
    return all.filter((t) => wanted.some((w) => t.cluster === w.cluster && t.namespace === w.namespace));
  }

  private checkDefinition(path: string, destinations: Destination[]): void {
    checkDefinition({ path, destinations });
  }

  /** The repository and every named cluster must exist: 400 naming which. */
  private async checkReferences(tx: EntityManager, repository: string, destinations: Destination[]): Promise<void> {
    if (!(await tx.existsBy(Repository, { name: repository }))) throw new InvalidInputError(`repository: no repository "${repository}" is registered`);
    const named = [...new Set(destinations.map((d) => d.cluster).filter((c): c is string => !!c))];
    if (!named.length) return;
    const found = new Set((await tx.find(Cluster, { where: { name: In(named) }, select: { name: true } })).map((c) => c.name));
    const missing = named.filter((c) => !found.has(c));
    if (missing.length) throw new InvalidInputError(`destinations: no cluster ${missing.map((c) => `"${c}"`).join(', ')} is registered`);
  }

  /** Hooks as stored, defaults filled; 400 for a missing channel or a gate that cannot gate. */
  private async hooksOf(tx: EntityManager, hooks: HookDto[]): Promise<Hook[]> {
    const channels = new Map(
      (await tx.find(Channel, { where: { name: In([...new Set(hooks.map((h) => h.channel))]) }, select: { name: true, type: true } })).map((c) => [c.name, c]),
    );
    return hooks.map((h, i) => {
      const channel = channels.get(h.channel);
      if (!channel) throw new InvalidInputError(`hooks[${i}].channel: no channel "${h.channel}" exists`);
      if (!h.on.length) throw new InvalidInputError(`hooks[${i}].on: name at least one event`);
      if (h.gate && (channel.type !== 'webhook' || h.on.some((e) => e !== 'PreSync'))) {
        throw new InvalidInputError(`hooks[${i}]: a gate is a PreSync hook on a webhook channel (on: ["PreSync"])`);
      }
      return { on: [...new Set(h.on)], channel: h.channel, group: h.group ?? 'target', gate: h.gate ?? false };
    });
  }

  private policy(current: SyncPolicy | undefined, dto: SyncPolicyDto | undefined): SyncPolicy {
    const { minIntervalSeconds, defaultIntervalSeconds } = this.config.sync;
    if (dto?.onDrift !== undefined && dto.selfHeal !== undefined && (dto.onDrift === 'heal') !== dto.selfHeal) {
      throw new InvalidInputError(`syncPolicy.selfHeal (${dto.selfHeal}) and syncPolicy.onDrift (${dto.onDrift}) disagree: selfHeal true is onDrift heal; give one of them`);
    }
    const merged: SyncPolicy = {
      automated: true,
      prune: false,
      selfHeal: false,
      intervalSeconds: defaultIntervalSeconds,
      adopt: false,
      pruneAdopted: false,
      clusterResources: [...DEFAULT_CLUSTER_RESOURCES],
      mode: 'apply',
      ...current,
      ...Object.fromEntries(Object.entries(dto ?? {}).filter(([, v]) => v !== undefined)),
    };
    // selfHeal and onDrift say the same thing twice: whichever was given decides both
    if (dto?.onDrift !== undefined) merged.selfHeal = dto.onDrift === 'heal';
    else if (dto?.selfHeal !== undefined) merged.onDrift = dto.selfHeal ? 'heal' : current?.onDrift === 'stopApplying' ? 'stopApplying' : 'report';
    else merged.onDrift = onDriftOf(merged);
    for (const [i, entry] of (dto?.clusterResources ?? []).entries()) {
      const problem = clusterResourceProblem(entry);
      if (problem) throw new InvalidInputError(`syncPolicy.clusterResources[${i}]: ${problem}`);
    }
    if (dto?.intervalSeconds !== undefined && dto.intervalSeconds < minIntervalSeconds) {
      throw new InvalidInputError(`syncPolicy.intervalSeconds must be at least ${minIntervalSeconds} (sync.minIntervalSeconds)`);
    }
    return merged;
  }
}

/** Helm settings as stored; 400 naming a value whose template uses anything but {{cluster.…}}. */
function helmOf(helm: HelmDto | null | undefined): Application['helm'] {
  if (!helm) return null;
  const check = (v: unknown, at: string): void => {
    if (typeof v === 'string') checkTemplate(v, `helm.values${at}`);
    else if (Array.isArray(v)) v.forEach((x, i) => check(x, `${at}[${i}]`));
    else if (v && typeof v === 'object') for (const [k, x] of Object.entries(v)) check(x, `${at}.${k}`);
  };
  check(helm.values ?? {}, '');
  (helm.valueFiles ?? []).forEach((f, i) => checkTemplate(f, `helm.valueFiles[${i}]`));
  return { ...(helm.valueFiles ? { valueFiles: [...helm.valueFiles] } : {}), ...(helm.values ? { values: helm.values } : {}) };
}

/** Drift rules as stored; 400 naming the first bad field (a pointer, a missing kind). */
function ignoreRulesOf(rules: IgnoreDifferenceDto[]): IgnoreRule[] {
  return rules.map((r, i) => {
    const rule = Object.fromEntries(Object.entries(r).filter(([, v]) => v !== undefined));
    const problem = ignoreRuleProblem(rule, `ignoreDifferences[${i}]`);
    if (problem) throw new InvalidInputError(problem);
    return ignoreRuleOf(rule as IgnoreRule);
  });
}

/** reportOnly writes nothing, so waves could never finish: 400 rather than a rollout stuck for ever. */
function checkModeWithRollout(policy: SyncPolicy, rollout: RolloutSpec | null | undefined): void {
  if (policy.mode === 'reportOnly' && rollout) {
    throw new InvalidInputError('syncPolicy.mode reportOnly writes nothing, so a rollout could never finish its waves: remove rollout (rollout: null) or use mode apply');
  }
}

/** 409 for what would write to the clusters while the application only reports. */
function checkWrites(app: Application, hint: string): void {
  if (app.syncPolicy.mode === 'reportOnly')
    throw new ConflictError(`application "${app.name}" is report-only (syncPolicy.mode reportOnly): Flotilla writes nothing to its targets; ${hint}`);
}

/** Sync windows as stored, defaults filled; 400 naming the first bad one. */
function windowsOf(windows: SyncWindowDto[]): SyncWindow[] {
  return windows.map((w, i) => {
    const problem = windowProblem(w, `syncWindows[${i}]`);
    if (problem) throw new InvalidInputError(problem);
    return windowOf(w);
  });
}

/** A destination as stored: exactly the fields given, nothing the validator added. */
function destination(d: Destination): Destination {
  return {
    ...(d.cluster !== undefined ? { cluster: d.cluster } : {}),
    ...(d.clusterSelector !== undefined ? { clusterSelector: { ...d.clusterSelector } } : {}),
    namespace: d.namespace,
  };
}
