import { Injectable } from '@nestjs/common';
import { In } from 'typeorm';
import { Cluster } from '../clusters/cluster.entity';
import { ClusterClients } from '../clusters/cluster-clients';
import { AppConfig } from '../config/app-config';
import { Database } from '../database/database';
import { refOf, SyncEngine, type CheckRequest, type RenderedObject, type SyncRequest, type Target } from '../engine';
import type { KubeClient } from '../kube';
import { Repository } from '../repositories/repository.entity';
import { Clock } from '../shared/clock';
import { NotFoundError } from '../shared/errors';
import { Application } from './application.entity';
import { DesiredState, type DesiredObjects } from './desired-state';
import { engineRules } from './engine-rules';
import { LiveCaches } from './live-caches';
import type { TargetRow } from './target.entity';
import { Targets } from './targets';

export interface PlanOptions {
  /** a revision asked for instead of the application's: a manual sync's, or a diff's `?revision=` */
  revision?: string | null;
}

/** What the plans of one batch share: the services, and one lookup of the repository's branch. */
interface PlanTools {
  config: AppConfig;
  clock: Clock;
  clients: ClusterClients;
  desired: DesiredState;
  live: LiveCaches;
  revisionOf(app: Application, asked: string | null): Promise<string>;
}

/**
 * One target of one application and everything that plans it, the same for a run, an interval
 * check, the API's diff and the trees: which revision (the one asked for, else the rollback pin,
 * the application's revision, its repository's branch), the render, the engine on the cluster's
 * live cache, and the request the sync policy makes of the engine. `cluster` is null when the
 * cluster is no longer registered; the render and the engine then refuse, saying so.
 */
export class TargetPlan {
  private made?: SyncEngine;

  constructor(
    readonly app: Application,
    readonly row: TargetRow,
    readonly cluster: Cluster | null,
    private readonly asked: string | null,
    private readonly tools: PlanTools,
  ) {}

  /** the target as the engine names it */
  get target(): Target {
    return { application: this.row.application, cluster: this.row.cluster, namespace: this.row.namespace };
  }

  /** The commit to plan at, from the local mirror (never a fetch). */
  sha(): Promise<string> {
    return this.tools.revisionOf(this.app, this.asked);
  }

  /** What git says the target should hold at `sha` (shared: callers must not change the objects). */
  async render(sha: string): Promise<DesiredObjects> {
    const cluster = this.registered();
    return this.tools.desired.render(this.app, this.target, this.row.path, sha, cluster);
  }

  client(): KubeClient {
    const cluster = this.registered();
    return this.tools.clients.forCluster(cluster);
  }

  /**
   * The engine for this target's cluster, reading live objects from the cluster's watch-fed cache
   * (what it does not hold is read from the API server), so a diff costs what a check costs.
   */
  engine(): SyncEngine {
    const { config, clock, live } = this.tools;
    return (this.made ??= new SyncEngine(this.client(), { concurrency: config.sync.engineConcurrency, clock, live: live.for(this.registered()) }));
  }

  /**
   * Lets the live cache watch what this target holds and is about to apply (and its namespace,
   * which every plan looks up). Only the reconciler calls it: the kinds a target needs are those
   * of the revision it is at, not of one a diff looks at.
   */
  async watch(desired: DesiredObjects | Error): Promise<void> {
    const t = this.row;
    const cluster = this.registered();
    const namespace = { group: '', version: 'v1', kind: 'Namespace', name: t.namespace };
    await this.tools.live.use(cluster, t.id, [namespace, ...t.inventory, ...(desired instanceof Error ? [] : desired.objects.map((o) => refOf(o.object)))]);
  }

  /** What the sync policy asks of the engine for these objects; `prune` overrides the policy's (a manual sync's). */
  request(objects: readonly RenderedObject[], options: { prune?: boolean | null; dryRun?: boolean } = {}): SyncRequest {
    return {
      target: this.target,
      objects,
      inventory: this.row.inventory,
      prune: options.prune ?? this.app.syncPolicy.prune,
      ...(options.dryRun ? { dryRun: true } : {}),
      ...engineRules(this.app, this.tools.config),
    };
  }

  /** A drift and health check of these objects against what the target holds. */
  check(objects: readonly RenderedObject[]): CheckRequest {
    return { target: this.target, objects, inventory: this.row.inventory, ...engineRules(this.app, this.tools.config) };
  }

  private registered(): Cluster {
    if (!this.cluster) throw new Error(`cluster "${this.row.cluster}" is no longer registered`);
    return this.cluster;
  }
}

/**
 * Builds target plans: one pipeline (revision choice, branch lookup, engine construction, policy
 * → request) for the reconciler, the API's diff and the trees, so they cannot drift apart.
 */
@Injectable()
export class TargetPlans {
  constructor(
    private readonly db: Database,
    private readonly config: AppConfig,
    private readonly clock: Clock,
    private readonly clients: ClusterClients,
    private readonly desired: DesiredState,
    private readonly live: LiveCaches,
    private readonly targets: Targets,
  ) {}

  /**
   * The commit an application's targets should be at: the revision asked for, else its rollback
   * pin, its own revision, or its repository's branch — as the mirror has it now.
   */
  async revisionOf(app: Application, asked: string | null = null, branch: () => Promise<string> = () => this.branchOf(app.repository)): Promise<string> {
    return this.desired.resolve(app.repository, asked ?? app.pinnedRevision ?? app.revision ?? (await branch()));
  }

  /**
   * The plan of one target: a stored row, or one found by cluster and namespace (404 naming the
   * target or the application when there is none; a cluster no longer registered is the plan's
   * to say, see TargetPlan).
   */
  async planFor(app: Application | string, target: TargetRow | { cluster: string; namespace: string }, options: PlanOptions = {}): Promise<TargetPlan> {
    const name = typeof app === 'string' ? app : app.name;
    const row = 'id' in target ? target : await this.targets.find({ application: name, ...target });
    if (!row) throw new NotFoundError('target', `${name}/${target.cluster}/${target.namespace}`);
    const application = typeof app === 'string' ? await this.db.manager.findOneBy(Application, { name }) : app;
    if (!application) throw new NotFoundError('application', name);
    return (await this.plansFor(application, [row], options))[0];
  }

  /** The plans of many targets of one application, in their order: their clusters and the branch are read once. */
  async plansFor(app: Application, rows: readonly TargetRow[], options: PlanOptions = {}): Promise<TargetPlan[]> {
    const names = [...new Set(rows.map((r) => r.cluster))];
    const clusters = new Map(names.length ? (await this.db.manager.find(Cluster, { where: { name: In(names) } })).map((c) => [c.name, c]) : []);
    let branch: Promise<string> | undefined;
    const tools: PlanTools = {
      config: this.config,
      clock: this.clock,
      clients: this.clients,
      desired: this.desired,
      live: this.live,
      revisionOf: (a, asked) => this.revisionOf(a, asked, () => (branch ??= this.branchOf(a.repository))),
    };
    return rows.map((r) => new TargetPlan(app, r, clusters.get(r.cluster) ?? null, options.revision ?? null, tools));
  }

  private async branchOf(repository: string): Promise<string> {
    const r = await this.db.manager.findOne(Repository, { where: { name: repository }, select: { branch: true } });
    return r?.branch ?? 'main';
  }
}
