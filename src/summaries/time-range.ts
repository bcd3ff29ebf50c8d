// The window a summary covers and the buckets it is cut into. Plain TypeScript: the bucket edges
// are what the SQL groups by, so a chart's x axis is the same whatever the database.

/** The longest window a summary answers: 30 days (the delivery log keeps about as long). */
export const MAX_HOURS = 720;
export const DEFAULT_HOURS = 24;

/** Bucket sizes in seconds, smallest first: a minute up to a day, each a divisor of the next day. */
const STEPS = [60, 300, 900, 3600, 3 * 3600, 6 * 3600, 86_400];
/** At most this many buckets per window: enough points for a chart a few hundred pixels wide. */
const MAX_BUCKETS = 60;

export interface TimeRange {
  hours: number;
  /**
   * epoch ms: the window's start and end (now). The start is the first bucket's, at or before
   * now − hours, so every bucket but the current one is whole and comparable with the others.
   */
  from: number;
  to: number;
  /** bucket width */
  bucketMs: number;
  /** epoch ms of each bucket's start, oldest first: multiples of bucketMs (UTC) */
  starts: number[];
}

/** 1 h → minutes, 24 h → hours, 7 days → 3 hours, 30 days → days. */
export function bucketSeconds(hours: number): number {
  return STEPS.find((s) => (hours * 3600) / s <= MAX_BUCKETS) ?? STEPS[STEPS.length - 1];
}

export function timeRange(hours: number, now: number): TimeRange {
  const bucketMs = bucketSeconds(hours) * 1000;
  const from = Math.floor((now - hours * 3_600_000) / bucketMs) * bucketMs;
  const starts: number[] = [];
  for (let s = from; s <= now; s += bucketMs) starts.push(s);
  return { hours, from, to: now, bucketMs, starts };
}

/** A Date as TypeORM writes a `datetime` column on SQLite (UTC, `YYYY-MM-DD HH:MM:SS.SSS`), for comparisons in SQL. */
export function sqliteDatetime(ms: number): string {
  return new Date(ms).toISOString().replace('T', ' ').replace('Z', '');
}
