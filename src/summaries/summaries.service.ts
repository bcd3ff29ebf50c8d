import { Injectable } from '@nestjs/common';
import { Application } from '../applications/application.entity';
import { RUN_PHASES, type RunPhase } from '../applications/sync-run.entity';
import type { Trigger } from '../applications/target.entity';
import { Channel } from '../channels/channel.entity';
import { Database } from '../database/database';
import { Clock } from '../shared/clock';
import { NotFoundError } from '../shared/errors';
import type { ApplicationRunsSummaryView, DeliveriesSummaryView, HealthSummaryView, RunsSummaryView, SummaryWindowView } from './dto/summary.view';
import { healthCounts } from './health-samples';
import { sqliteDatetime, timeRange, type TimeRange } from './time-range';

// SQLite keeps TypeORM `datetime` columns as UTC text (`YYYY-MM-DD HH:MM:SS.SSS`). These turn one
// into epoch milliseconds; they are the only SQLite-only SQL here (PostgreSQL would say
// `EXTRACT(EPOCH FROM col) * 1000`). Bucketing itself is integer arithmetic on epoch numbers, and
// the rest (CTEs, window functions, CASE) is SQL both accept.
const epochMs = (column: string) => `CAST(ROUND((julianday(${column}) - 2440587.5) * 86400000) AS INTEGER)`;
const durationMs = (from: string, to: string) => `CAST(ROUND((julianday(${to}) - julianday(${from})) * 86400000) AS INTEGER)`;
/** A bound number as an integer: better-sqlite3 binds every JS number as REAL, and REAL division would not truncate. */
const INT = 'CAST(? AS BIGINT)';

export interface ApplicationRunsQuery {
  hours: number;
  cluster?: string;
  namespace?: string;
  limit: number;
}

/**
 * What happened, counted by the database: every summary is one or two GROUP BY queries over a
 * time window (an index narrows each to the window), cut into the buckets of time-range.ts; the
 * answer holds a row per bucket, never a row per run or delivery (the application's run points
 * excepted, and those are capped).
 */
@Injectable()
export class SummariesService {
  constructor(
    private readonly db: Database,
    private readonly clock: Clock,
  ) {}

  /**
   * Sync runs of the whole fleet per bucket of their start, by phase. Runs are history that is
   * trimmed (sync.historyLimit runs per target), so a very busy target's oldest runs no longer count.
   */
  async runs(hours: number): Promise<RunsSummaryView> {
    const range = timeRange(hours, this.clock.now());
    // each bucket an index range of startedAt, joined to the buckets' bounds: the (startedAt, phase)
    // index answers it alone, with no per-row date arithmetic (measured 2–3× faster over 1M runs)
    const rows: { bucket: number; phase: string; n: number }[] = await this.db.manager.query(
      `WITH b(bucket, lo, hi) AS (VALUES ${range.starts.map(() => '(?, ?, ?)').join(', ')})
       SELECT b.bucket AS bucket, r.phase AS phase, COUNT(*) AS n
         FROM b JOIN sync_runs r ON r.startedAt >= b.lo AND r.startedAt < b.hi GROUP BY b.bucket, r.phase`,
      range.starts.flatMap((start) => [start, sqliteDatetime(start), sqliteDatetime(start + range.bucketMs)]),
    );
    const byBucket = new Map(range.starts.map((s) => [s, Object.fromEntries(RUN_PHASES.map((p) => [p, 0])) as Record<RunPhase, number>]));
    for (const r of rows) {
      const phases = byBucket.get(Number(r.bucket));
      if (phases && r.phase in phases) phases[r.phase as RunPhase] += Number(r.n);
    }
    return {
      ...windowOf(range),
      buckets: [...byBucket].map(([start, phases]) => ({ start: new Date(start), phases, total: Object.values(phases).reduce((a, b) => a + b, 0) })),
    };
  }

  /**
   * Targets by health at the end of each bucket (for the current bucket: now), from the health
   * samples (health-samples.ts): the last sample before the bucket ends, found per bucket by the
   * sample table's key. A bucket before the first sample has none (null).
   */
  async health(hours: number): Promise<HealthSummaryView> {
    const range = timeRange(hours, this.clock.now());
    const last = range.starts[range.starts.length - 1];
    const rows: { start: number; health: string; n: number }[] = await this.db.manager.query(
      `WITH RECURSIVE b(start) AS (SELECT ${INT} UNION ALL SELECT start + ${INT} FROM b WHERE start < ${INT})
       SELECT b.start AS start, s.health AS health, s.targets AS n
         FROM b JOIN health_samples s ON s.at = (SELECT MAX(at) FROM health_samples WHERE at < b.start + ${INT})`,
      [range.from, range.bucketMs, last, range.bucketMs],
    );
    const byBucket = new Map<number, { health: string; n: number }[]>();
    for (const r of rows) byBucket.set(Number(r.start), [...(byBucket.get(Number(r.start)) ?? []), r]);
    return {
      ...windowOf(range),
      buckets: range.starts.map((start) => {
        const found = byBucket.get(start);
        return { start: new Date(start), health: found ? healthCounts(found) : null };
      }),
    };
  }

  /** One application's runs in the window, newest first, each with its duration: the points of a chart. */
  async applicationRuns(name: string, q: ApplicationRunsQuery): Promise<ApplicationRunsSummaryView> {
    if (!(await this.db.manager.exists(Application, { where: { name } }))) throw new NotFoundError('application', name);
    const range = timeRange(q.hours, this.clock.now());
    const filters = [...(q.cluster ? ['cluster = ?'] : []), ...(q.namespace ? ['namespace = ?'] : [])];
    const rows: { id: number; cluster: string; namespace: string; phase: RunPhase; trigger: Trigger; startedMs: number; durationMs: number | null }[] = await this.db.manager.query(
      `SELECT id, cluster, namespace, phase, "trigger", ${epochMs('startedAt')} AS startedMs, ${durationMs('startedAt', 'finishedAt')} AS durationMs
           FROM sync_runs WHERE application = ? AND startedAt >= ?${filters.map((f) => ` AND ${f}`).join('')}
          ORDER BY id DESC LIMIT ?`,
      [name, sqliteDatetime(range.from), ...(q.cluster ? [q.cluster] : []), ...(q.namespace ? [q.namespace] : []), q.limit + 1],
    );
    const truncated = rows.length > q.limit;
    return {
      ...windowOf(range),
      truncated,
      runs: rows.slice(0, q.limit).map((r) => ({
        id: r.id,
        cluster: r.cluster,
        namespace: r.namespace,
        phase: r.phase,
        trigger: r.trigger,
        startedAt: new Date(Number(r.startedMs)),
        durationMs: r.durationMs === null ? null : Number(r.durationMs),
      })),
    };
  }

  /**
   * A channel's deliveries per bucket of their creation: how many, in which state, and how long
   * from the event to its delivery (median and maximum, by window functions). Latency leaves out
   * revision summaries (they wait for every target on purpose); gate rows are verdicts recorded
   * in the log, not messages sent, and are left out altogether.
   */
  async deliveries(channel: string, hours: number): Promise<DeliveriesSummaryView> {
    if (!(await this.db.manager.exists(Channel, { where: { name: channel } }))) throw new NotFoundError('channel', channel);
    const range = timeRange(hours, this.clock.now());
    const rows: { bucket: number; total: number; delivered: number; failed: number; pending: number; p50: number | null; max: number | null }[] = await this.db.manager.query(
      `WITH d AS (
           SELECT (createdAt / ${INT}) * ${INT} AS bucket, state,
                  CASE WHEN state = 'delivered' AND deliveredAt IS NOT NULL AND kind != 'revision' THEN ${epochMs('deliveredAt')} - createdAt END AS latency
             FROM deliveries WHERE channel = ? AND createdAt >= ? AND kind != 'gate'
         ),
         ranked AS (
           SELECT bucket, latency, ROW_NUMBER() OVER (PARTITION BY bucket ORDER BY latency) AS rn, COUNT(*) OVER (PARTITION BY bucket) AS n
             FROM d WHERE latency IS NOT NULL
         ),
         latency AS (
           SELECT bucket, MAX(CASE WHEN rn = (n + 1) / 2 THEN latency END) AS p50, MAX(latency) AS max FROM ranked GROUP BY bucket
         )
         SELECT c.bucket, c.total, c.delivered, c.failed, c.pending, latency.p50, latency.max
           FROM (SELECT bucket, COUNT(*) AS total,
                        SUM(CASE WHEN state = 'delivered' THEN 1 ELSE 0 END) AS delivered,
                        SUM(CASE WHEN state = 'failed' THEN 1 ELSE 0 END) AS failed,
                        SUM(CASE WHEN state = 'pending' THEN 1 ELSE 0 END) AS pending
                   FROM d GROUP BY bucket) c
           LEFT JOIN latency ON latency.bucket = c.bucket`,
      [range.bucketMs, range.bucketMs, channel, range.from],
    );
    const byBucket = new Map(rows.map((r) => [Number(r.bucket), r]));
    return {
      ...windowOf(range),
      buckets: range.starts.map((start) => {
        const r = byBucket.get(start);
        const n = (v: number | null | undefined) => (v === null || v === undefined ? null : Number(v));
        return {
          start: new Date(start),
          total: Number(r?.total ?? 0),
          delivered: Number(r?.delivered ?? 0),
          failed: Number(r?.failed ?? 0),
          pending: Number(r?.pending ?? 0),
          latencyP50Ms: n(r?.p50),
          latencyMaxMs: n(r?.max),
        };
      }),
    };
  }
}

function windowOf(range: TimeRange): SummaryWindowView {
  return { hours: range.hours, from: new Date(range.from), to: new Date(range.to), bucketSeconds: range.bucketMs / 1000 };
}
