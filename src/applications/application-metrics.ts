import { Injectable } from '@nestjs/common';
import { Counter, Gauge, Histogram } from 'prom-client';
import { Database } from '../database/database';
import { Metrics } from '../operations/metrics';
import { Clock } from '../shared/clock';

/**
 * Runs by phase and their duration are counted as they end; queue depth and targets by state are
 * read from the database when Prometheus scrapes (two grouped queries), so they are never stale.
 */
@Injectable()
export class ApplicationMetrics {
  private readonly runs: Counter<'phase'>;
  private readonly duration: Histogram;
  private readonly renders: Counter;

  constructor(metrics: Metrics, db: Database, clock: Clock) {
    const registers = [metrics.registry];
    this.runs = new Counter({ name: 'flotilla_sync_runs_total', help: 'Target sync runs finished, by phase', labelNames: ['phase'] as const, registers });
    this.duration = new Histogram({
      name: 'flotilla_sync_run_duration_seconds',
      help: 'Duration of target sync runs',
      buckets: [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300],
      registers,
    });
    this.renders = new Counter({ name: 'flotilla_renders_total', help: 'Repository paths rendered (one per commit and path, however many targets share it)', registers });
    new Gauge({
      name: 'flotilla_reconcile_queue_depth',
      help: 'Targets due for a check or a run now',
      registers,
      async collect() {
        const [row] = await db.manager.query(`SELECT COUNT(*) AS due FROM targets WHERE dueAt <= ?`, [clock.now()]);
        this.set(row.due);
      },
    });
    new Gauge({
      name: 'flotilla_reconcile_queue_oldest_due_seconds',
      help: 'How long the longest-waiting due target has waited',
      registers,
      async collect() {
        const now = clock.now();
        const [row] = await db.manager.query(`SELECT MIN(dueAt) AS oldest FROM targets WHERE dueAt <= ?`, [now]);
        this.set(row.oldest === null ? 0 : (now - row.oldest) / 1000);
      },
    });
    new Gauge({
      name: 'flotilla_targets',
      help: 'Targets by sync and health status',
      labelNames: ['sync', 'health'] as const,
      registers,
      async collect() {
        this.reset();
        for (const r of await db.manager.query(`SELECT sync, health, COUNT(*) AS n FROM targets GROUP BY sync, health`)) this.set({ sync: r.sync, health: r.health }, r.n);
      },
    });
  }

  rendered(): void {
    this.renders.inc();
  }

  runFinished(phase: string, seconds: number): void {
    this.runs.inc({ phase });
    this.duration.observe(seconds);
  }
}
