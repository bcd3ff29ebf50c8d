import { Injectable, Logger, OnModuleDestroy, OnModuleInit } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import { Cluster } from '../clusters/cluster.entity';
import { ClusterEvents, type ClusterChange } from '../clusters/cluster-events';
import { Database } from '../database/database';
import { LiveEvents } from '../events/live-events';
import { RepositoryEvents, type RevisionMoved } from '../repositories/repository-events';
import { Application } from './application.entity';
import { expandTargets } from './fan-out';
import { PRIORITY } from './queue-rules';
import { ReconcileQueue } from './reconcile-queue';
import { Targets } from './targets';

const key = (t: { cluster: string; namespace: string }) => `${t.cluster}\0${t.namespace}`;

/**
 * Keeps each application's target rows equal to its fan-out. Runs when an application is
 * written and when the registry changes — never because a cluster could not be listed or
 * reached, so a failed read can never make targets leave (and be pruned). Targets that join
 * are queued for a first sync; targets that leave are emptied (prune on) or simply dropped.
 * Also turns a repository move into runs of every target that follows the moved branch.
 */
@Injectable()
export class TargetSet implements OnModuleInit, OnModuleDestroy {
  private readonly log = new Logger(TargetSet.name);
  private readonly unsubscribe: Array<() => void> = [];

  constructor(
    private readonly db: Database,
    private readonly targets: Targets,
    private readonly queue: ReconcileQueue,
    private readonly clusterEvents: ClusterEvents,
    private readonly repositoryEvents: RepositoryEvents,
    private readonly events: LiveEvents,
  ) {}

  onModuleInit(): void {
    this.unsubscribe.push(
      this.clusterEvents.onChange((c) => this.onClusterChange(c)),
      this.repositoryEvents.onMoved((e) => void this.onMoved(e).catch((err) => this.log.error({ err, repository: e.repository }, 'queueing targets after a move failed'))),
    );
  }

  onModuleDestroy(): void {
    for (const u of this.unsubscribe) u();
  }

  /** Re-expands one application inside the caller's write transaction. */
  async expand(tx: EntityManager, app: Application): Promise<void> {
    const clusters = await tx.find(Cluster, { select: { name: true, labels: true } });
    const specs = expandTargets(app, clusters);
    const rows = await this.targets.ofApplication(tx, app.name);
    const existing = new Map(rows.map((r) => [key(r), r]));
    for (const spec of specs) {
      const row = existing.get(key(spec));
      existing.delete(key(spec));
      const definition = { application: app.name, cluster: spec.cluster, namespace: spec.namespace, path: spec.path, problem: spec.problem ?? null };
      if (!row) {
        await this.targets.join(tx, definition, app.syncPolicy.automated);
      } else if (row.leaving || row.path !== spec.path || row.problem !== (spec.problem ?? null)) {
        // back in the fan-out, or defined differently: look at it now
        await this.targets.redefine(tx, row.id, definition);
      }
    }
    const registered = new Set(clusters.map((c) => c.name));
    for (const row of existing.values()) {
      if (row.leaving) continue;
      // a cluster no longer registered is no longer managed: what runs there stays (SPEC §6)
      if (!registered.has(row.cluster) || !app.syncPolicy.prune || row.inventory.length === 0) {
        await this.targets.remove(tx, row.id);
        this.queue.abort((_c, id) => id === row.id);
      } else {
        await this.targets.markLeaving(tx, { id: row.id }, { message: 'left the fan-out; pruning its objects', priority: PRIORITY.soon });
      }
    }
  }

  private async onClusterChange(change: ClusterChange): Promise<void> {
    if (change.kind === 'reconnected') {
      await this.queue.checkNow({ cluster: change.cluster }, true);
      return;
    }
    if (change.kind === 'removed') this.queue.abort((cluster) => cluster === change.cluster);
    await this.db.write(async (tx) => {
      for (const app of await tx.find(Application)) if (!app.deletingSince) await this.expand(tx, app);
    });
    this.log.log({ cluster: change.cluster, change: change.kind }, `cluster ${change.cluster} ${change.kind}: fan-outs updated`);
    this.events.publish({ type: 'cluster', cluster: change.cluster, change: change.kind });
    this.queue.kick();
  }

  /**
   * A branch moved: every automated application following it (no pinned or explicit other
   * revision) runs on every target, ahead of periodic work; the others are checked now.
   */
  private async onMoved(e: RevisionMoved): Promise<void> {
    const apps = await this.db.manager.find(Application, { where: { repository: e.repository } });
    for (const app of apps) {
      // a rollout application's targets move wave by wave: its rollout controller saw the move too
      if (app.deletingSince || app.rollout) continue;
      const follows = !app.pinnedRevision && (app.revision === null || app.revision === e.branch || app.revision === `refs/heads/${e.branch}`);
      if (follows && app.syncPolicy.automated) {
        await this.queue.trigger(
          { application: app.name },
          { trigger: e.cause === 'webhook' ? 'webhook' : 'schedule', actor: 'flotilla', priority: PRIORITY.urgent, resetFailures: true },
        );
      } else {
        await this.queue.checkNow({ application: app.name });
      }
    }
  }
}
