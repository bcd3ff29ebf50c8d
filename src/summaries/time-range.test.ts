import { describe, expect, it } from 'vitest';
import { bucketSeconds, sqliteDatetime, timeRange } from './time-range';

describe('summary time ranges', () => {
  it('cut a window into at most 60 buckets of a round size', () => {
    expect([1, 6, 12, 24, 48, 72, 168, 720].map(bucketSeconds)).toEqual([60, 900, 900, 3600, 3600, 10_800, 10_800, 86_400]);
  });

  it('start the buckets on multiples of their size, the first at or before now − hours, the last holding now', () => {
    const now = Date.UTC(2026, 0, 2, 10, 30);
    const r = timeRange(24, now);
    expect(r.bucketMs).toBe(3_600_000);
    expect(r.from).toBe(Date.UTC(2026, 0, 1, 10));
    expect(r.starts[0]).toBe(r.from);
    expect(r.starts.at(-1)).toBe(Date.UTC(2026, 0, 2, 10));
    expect(r.starts).toHaveLength(25);
    expect(r.starts.every((s, i) => i === 0 || s - r.starts[i - 1] === r.bucketMs)).toBe(true);
  });

  it('write times as TypeORM stores datetime columns on SQLite', () => {
    expect(sqliteDatetime(Date.UTC(2026, 4, 6, 7, 8, 9, 12))).toBe('2026-05-06 07:08:09.012');
  });
});
