import { Injectable, Logger, OnApplicationBootstrap } from '@nestjs/common';
import { Scheduler } from '../common/scheduler';
import { Clock } from '../shared/clock';
import { NotFoundError } from '../shared/errors';
import { AppConfig } from '../config/app-config';
import { Database } from '../database/database';
import { mapBounded } from '../shared/map-bounded';
import { Cluster } from './cluster.entity';
import { ClusterClients } from './cluster-clients';
import { LiveEvents } from '../events/live-events';
import { ClusterEvents } from './cluster-events';
import { probeCluster } from './cluster-probe';

const JOB = 'cluster-checks';

/**
 * Connectivity checks: at registration, on demand, and periodically for every cluster with
 * bounded concurrency. Each probe has its own timeout, so one dead cluster costs one slot for
 * that long and never delays the others. A round never overlaps the previous one.
 */
@Injectable()
export class ClusterChecks implements OnApplicationBootstrap {
  private readonly log = new Logger(ClusterChecks.name);
  private round: Promise<void> | null = null;

  constructor(
    private readonly db: Database,
    private readonly clients: ClusterClients,
    private readonly config: AppConfig,
    private readonly clock: Clock,
    private readonly scheduler: Scheduler,
    private readonly events: ClusterEvents,
    private readonly live: LiveEvents,
  ) {}

  onApplicationBootstrap(): void {
    this.scheduler.every(JOB, this.config.clusters.checkIntervalSeconds * 1000, () => this.checkAll());
  }

  /** Probes one cluster now and stores the outcome. */
  async check(name: string): Promise<Cluster> {
    const repo = this.db.manager.getRepository(Cluster);
    const cluster = await repo.findOne({ where: { name } });
    if (!cluster) throw new NotFoundError('cluster', name);
    const result = await probeCluster(this.clients.forCluster(cluster), this.config.clusters.checkTimeoutSeconds * 1000, this.clock, (err) =>
      this.log.error({ cluster: name, err }, 'cluster check failed unexpectedly'),
    );
    const status = { ...result, lastCheckedAt: this.clock.date() };
    // a result for credentials that were rotated meanwhile is stale: the generation guards it
    await this.db.write((tx) => tx.getRepository(Cluster).update({ name, generation: cluster.generation }, status));
    if (cluster.phase !== result.phase) {
      this.log.log({ cluster: name, from: cluster.phase, to: result.phase }, `cluster ${name} is ${result.phase}`);
      this.live.publish({ type: 'cluster', cluster: name, phase: result.phase });
      // targets waiting out a backoff on this cluster need not wait any longer
      if (result.phase === 'Connected' && cluster.phase !== 'Pending') await this.events.emit({ kind: 'reconnected', cluster: name }).catch(() => undefined);
    }
    return (await repo.findOne({ where: { name } })) ?? Object.assign(cluster, status);
  }

  /** One round over every cluster; a call while a round runs joins that round. */
  checkAll(): Promise<void> {
    this.round ??= (async () => {
      try {
        const names = (await this.db.manager.getRepository(Cluster).find({ select: { name: true } })).map((c) => c.name);
        await mapBounded(names, this.config.clusters.checkConcurrency, (n) =>
          this.check(n).catch((e) => {
            if (!(e instanceof NotFoundError)) this.log.warn({ cluster: n, err: e }, 'cluster check failed');
          }),
        );
      } finally {
        this.round = null;
      }
    })();
    return this.round;
  }
}
