import { Injectable, Logger, OnApplicationShutdown, OnModuleInit } from '@nestjs/common';
import { Counter, Gauge } from 'prom-client';
import type { Cluster } from '../clusters/cluster.entity';
import { ClusterClients } from '../clusters/cluster-clients';
import { ClusterEvents } from '../clusters/cluster-events';
import { ClusterLiveCache, CLUSTER_SCOPE, type ForeignChange, type ObjectRef } from '../engine';
import { Metrics } from '../operations/metrics';
import { Clock, type Timer } from '../shared/clock';
import { ReconcileQueue } from './reconcile-queue';

/** a burst of events on one target (a rollout, a `kubectl apply` of many objects) is one check */
const DEBOUNCE_MS = 200;

/**
 * One watch-fed live cache per registered cluster (per credentials generation), shared by every
 * target there. A change someone else makes to a managed object, or its deletion, queues a drift
 * check of the target that owns it (by its tracking id) at once — debounced — instead of at the
 * next interval; the interval stays as a safety net.
 */
@Injectable()
export class LiveCaches implements OnModuleInit, OnApplicationShutdown {
  private readonly log = new Logger(LiveCaches.name);
  private readonly caches = new Map<string, { generation: number; cache: ClusterLiveCache }>();
  private readonly pending = new Map<string, Timer>();
  private readonly driftEvents: Counter<'cluster'>;
  private readonly restarts: Counter<'cluster' | 'why'>;
  private unsubscribe?: () => void;

  constructor(
    private readonly clients: ClusterClients,
    private readonly clock: Clock,
    private readonly queue: ReconcileQueue,
    private readonly clusterEvents: ClusterEvents,
    metrics: Metrics,
  ) {
    const registers = [metrics.registry];
    this.driftEvents = new Counter({
      name: 'flotilla_drift_events_total',
      help: 'Changes to managed objects made outside Flotilla, seen by the watch',
      labelNames: ['cluster'] as const,
      registers,
    });
    this.restarts = new Counter({
      name: 'flotilla_watch_restarts_total',
      help: 'Watch restarts by cluster and cause (relist after 410 Gone, reconnect after an error)',
      labelNames: ['cluster', 'why'] as const,
      registers,
    });
    const caches = this.caches;
    new Gauge({
      name: 'flotilla_live_cache_objects',
      help: 'Objects held by the live cache, by cluster',
      labelNames: ['cluster'] as const,
      registers,
      collect() {
        this.reset();
        for (const [cluster, { cache }] of caches) this.set({ cluster }, cache.objects);
      },
    });
  }

  onModuleInit(): void {
    this.unsubscribe = this.clusterEvents.onChange((c) => {
      if (c.kind === 'removed') void this.drop(c.cluster);
    });
  }

  async onApplicationShutdown(): Promise<void> {
    this.unsubscribe?.();
    for (const t of this.pending.values()) t.cancel();
    await Promise.all([...this.caches.keys()].map((c) => this.drop(c)));
  }

  for(cluster: Cluster): ClusterLiveCache {
    const held = this.caches.get(cluster.name);
    if (held?.generation === cluster.generation) return held.cache;
    if (held) void held.cache.stop();
    const cache = new ClusterLiveCache(this.clients.forCluster(cluster), {
      clock: this.clock,
      onForeignChange: (change) => this.changed(cluster.name, change),
      onStatusChange: (change) => this.reported(cluster.name, change),
      onRestart: (why) => this.restarts.inc({ cluster: cluster.name, why }),
    });
    this.caches.set(cluster.name, { generation: cluster.generation, cache });
    return cache;
  }

  /** The kinds a target needs watched: what it holds and what it is about to apply. */
  use(cluster: Cluster, target: number, refs: readonly ObjectRef[]): Promise<void> {
    return this.for(cluster).use(String(target), refs);
  }

  release(cluster: string, target: number): void {
    this.caches.get(cluster)?.cache.release(String(target));
  }

  private changed(cluster: string, change: ForeignChange): void {
    this.driftEvents.inc({ cluster });
    const [application, namespace] = splitTrackingId(change.trackingId);
    if (!application) return;
    const key = `${cluster}\0${change.trackingId}`;
    if (this.pending.has(key)) return;
    this.pending.set(
      key,
      this.clock.after(DEBOUNCE_MS, () => {
        this.pending.delete(key);
        // a cluster-scoped object belongs to every target of the application on this cluster
        void this.queue
          .checkNow({ application, cluster, ...(namespace === CLUSTER_SCOPE ? {} : { namespace }) })
          .catch((e) => this.log.warn({ err: e }, 'queueing a drift check failed'));
      }),
    );
  }

  /**
   * A controller wrote a managed object's status: a target still waiting for health (Progressing)
   * is checked at once, so health — and a rollout's wave, and PostSync — follow the controller
   * within a moment instead of at the next health recheck. Settled targets are not checked: a
   * busy controller's status churn costs nothing.
   */
  private reported(cluster: string, change: ForeignChange): void {
    const [application, namespace] = splitTrackingId(change.trackingId);
    if (!application) return;
    const key = `status\0${cluster}\0${change.trackingId}`;
    if (this.pending.has(key)) return;
    this.pending.set(
      key,
      this.clock.after(DEBOUNCE_MS, () => {
        this.pending.delete(key);
        void this.queue
          .checkNow({ application, cluster, ...(namespace === CLUSTER_SCOPE ? {} : { namespace }), health: 'Progressing' })
          .catch((e) => this.log.warn({ err: e }, 'queueing a health check failed'));
      }),
    );
  }

  private async drop(cluster: string): Promise<void> {
    const held = this.caches.get(cluster);
    this.caches.delete(cluster);
    await held?.cache.stop();
  }
}

function splitTrackingId(id: string): [string | undefined, string | undefined] {
  const i = id.lastIndexOf(':');
  return i > 0 ? [id.slice(0, i), id.slice(i + 1)] : [undefined, undefined];
}
