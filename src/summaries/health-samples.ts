import { BeforeApplicationShutdown, Injectable, OnApplicationBootstrap } from '@nestjs/common';
import { Scheduler } from '../common/scheduler';
import { Database } from '../database/database';
import { HEALTH_STATUSES, type HealthStatus } from '../engine';
import { LiveEvents } from '../events/live-events';
import { Clock } from '../shared/clock';
import { SerialQueue } from '../shared/serial-queue';
import { HealthSample } from './health-sample.entity';
import { MAX_HOURS } from './time-range';

/** The counts are looked at this often even when no event says they changed (a deleted application's targets go without one). */
const SAMPLE_EVERY_MS = 60_000;
/** After a health change, the counts are taken this much later: a burst of changes is one sample. */
const COALESCE_MS = 2_000;

export type HealthCounts = Record<HealthStatus, number>;

/** Rows of (health, n) as counts of every health, zeros included. */
export function healthCounts(rows: { health: string; n: number | string }[]): HealthCounts {
  const counts = Object.fromEntries(HEALTH_STATUSES.map((h) => [h, 0])) as HealthCounts;
  for (const r of rows) if ((HEALTH_STATUSES as readonly string[]).includes(r.health)) counts[r.health as HealthStatus] = Number(r.n);
  return counts;
}

/**
 * The fleet's health history. The targets table says only how each target is now, so the number
 * of targets per health is written to health_samples whenever it changes: looked at shortly
 * after any target's health changes (a live event), and once a minute. A sample is one GROUP BY
 * over targets, written only when it differs from the last one, so an idle fleet adds nothing.
 * Samples older than the longest summary window are dropped, except the newest of them: it says
 * how things were when the window begins.
 */
@Injectable()
export class HealthSamples implements OnApplicationBootstrap, BeforeApplicationShutdown {
  /** samples one at a time, so they are written in the order their counts were read */
  private readonly queue = new SerialQueue();
  /** the last sample written (or read back at start) */
  private last: { counts: string; at: number } | null = null;
  private unsubscribe: (() => void) | null = null;

  constructor(
    private readonly db: Database,
    private readonly clock: Clock,
    private readonly scheduler: Scheduler,
    private readonly events: LiveEvents,
  ) {}

  onApplicationBootstrap(): void {
    this.scheduler.every('health-samples', SAMPLE_EVERY_MS, () => this.sample(), { immediate: true });
    this.scheduler.every('health-sample-retention', 3_600_000, () => this.forgetOld(), { immediate: true });
    this.unsubscribe = this.events.subscribe((e) => {
      if ((e.type === 'target' && e.health !== undefined) || (e.type === 'application' && e.change === 'deleted')) this.soon();
    });
  }

  async beforeApplicationShutdown(): Promise<void> {
    this.unsubscribe?.();
    this.unsubscribe = null;
    await this.queue.idle();
  }

  /** A sample shortly, unless one is armed already. */
  private soon(): void {
    if (!this.unsubscribe || this.scheduler.has('health-sample-soon')) return;
    this.scheduler.at('health-sample-soon', this.clock.now() + COALESCE_MS, () => this.sample());
  }

  /** Counts targets by health and writes the counts when they changed; says whether it wrote. */
  sample(): Promise<boolean> {
    return this.queue.run(async () => {
      const counts = healthCounts(await this.db.manager.query(`SELECT health, COUNT(*) AS n FROM targets GROUP BY health`));
      this.last ??= await this.newest();
      const json = JSON.stringify(counts);
      if (this.last?.counts === json) return false;
      // the key is (at, health): one sample per millisecond at most
      const at = Math.max(this.clock.now(), (this.last?.at ?? 0) + 1);
      await this.db.write((tx) =>
        tx.insert(
          HealthSample,
          HEALTH_STATUSES.map((health) => ({ at, health, targets: counts[health] })),
        ),
      );
      this.last = { counts: json, at };
      return true;
    });
  }

  /** Drops samples older than the longest window, but the newest of them. */
  async forgetOld(): Promise<void> {
    const before = this.clock.now() - MAX_HOURS * 3_600_000;
    await this.db.write((tx) => tx.query(`DELETE FROM health_samples WHERE at < (SELECT MAX(at) FROM health_samples WHERE at <= ?)`, [before]));
  }

  private async newest(): Promise<{ counts: string; at: number } | null> {
    const rows: { at: number; health: string; n: number }[] = await this.db.manager.query(
      `SELECT at, health, targets AS n FROM health_samples WHERE at = (SELECT MAX(at) FROM health_samples)`,
    );
    return rows.length ? { counts: JSON.stringify(healthCounts(rows)), at: Number(rows[0].at) } : null;
  }
}
