// The summary endpoints behind the web UI's charts, against a run history made for real (a
// test-bed cluster, a git repository, an application with two targets synced three times, one
// sync failing on a broken manifest, a webhook channel refusing one delivery): every number is
// checked against what the history and delivery endpoints list, row by row. Also the health
// samples (taken when counts change, read "as of" each bucket's end, kept 30 days) and the 400s.
import { DataSource } from 'typeorm';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { HealthSamples } from '../../src/summaries/health-samples';
import { eventually } from '../support/eventually';
import { allDeliveries, produceRunHistory, type RunHistory } from '../support/run-history';
import { allRuns, getApplication, type SyncRunView } from '../support/workloads';

const [east] = inject('clusters');
const ADMIN = 'summaries-test-admin-token-0123456789';
const HEALTHS = ['Healthy', 'Progressing', 'Degraded', 'Suspended', 'Missing', 'Unknown'];

const bucketOf = (iso: string, bucketSeconds: number) => {
  const ms = bucketSeconds * 1000;
  return new Date(Math.floor(Date.parse(iso) / ms) * ms).toISOString();
};

describe('summaries of what happened', () => {
  let h: RunHistory;
  let runs: SyncRunView[];

  beforeAll(async () => {
    h = await produceRunHistory('sm', east, ADMIN);
    runs = await allRuns(h.admin, h.app);
  }, 240_000);
  afterAll(async () => {
    await h?.close();
  });

  it('counts the fleet runs per bucket and phase as the history lists them, for a day and for an hour', async () => {
    expect(runs.map((r) => r.phase).sort()).toEqual(['Failed', 'Failed', 'Succeeded', 'Succeeded', 'Succeeded', 'Succeeded']);
    for (const hours of [24, 1]) {
      const res = await h.admin.get(`/api/v1/summaries/runs?hours=${hours}`);
      expect(res.status, JSON.stringify(res.body)).toBe(200);
      const s = res.body;
      expect(s.hours).toBe(hours);
      expect(s.bucketSeconds).toBe(hours === 24 ? 3600 : 60);
      expect(s.buckets.length).toBe(hours === 24 ? 25 : 61);
      expect(s.buckets[0].start).toBe(s.from);
      const expected = new Map<string, Record<string, number>>();
      for (const r of runs.filter((r) => r.startedAt >= s.from)) {
        const key = bucketOf(r.startedAt, s.bucketSeconds);
        const counts = expected.get(key) ?? { Running: 0, Succeeded: 0, Failed: 0, Blocked: 0, Interrupted: 0 };
        counts[r.phase]++;
        expected.set(key, counts);
      }
      const nonEmpty = s.buckets.filter((b: any) => b.total > 0);
      expect(Object.fromEntries(nonEmpty.map((b: any) => [b.start, b.phases]))).toEqual(Object.fromEntries(expected));
      for (const b of nonEmpty) expect(b.total).toBe(Object.values(b.phases as Record<string, number>).reduce((a, n) => a + n, 0));
      expect(nonEmpty.reduce((n: number, b: any) => n + b.total, 0)).toBe(runs.length);
    }
  });

  it("lists an application's runs with start, duration and outcome, newest first, for all targets or one, capped", async () => {
    const all = await h.admin.get(`/api/v1/applications/${h.app}/summaries/runs?hours=24`);
    expect(all.status, JSON.stringify(all.body)).toBe(200);
    const point = (r: SyncRunView) => ({
      id: r.id,
      cluster: r.cluster,
      namespace: r.namespace,
      phase: r.phase,
      trigger: r.trigger,
      startedAt: r.startedAt,
      durationMs: Date.parse(r.finishedAt!) - Date.parse(r.startedAt),
    });
    expect(all.body.runs).toEqual(runs.map(point));
    expect(all.body.truncated).toBe(false);
    expect(all.body.runs.every((r: any) => r.durationMs >= 0)).toBe(true);

    const [one] = h.targets;
    const mine = await h.admin.get(`/api/v1/applications/${h.app}/summaries/runs?hours=24&cluster=${one.cluster}&namespace=${one.namespace}`);
    expect(mine.status).toBe(200);
    expect(mine.body.runs).toEqual((await allRuns(h.admin, h.app, one)).map(point));
    expect(mine.body.runs).toHaveLength(3);

    const capped = await h.admin.get(`/api/v1/applications/${h.app}/summaries/runs?limit=2`);
    expect(capped.body.runs).toEqual(runs.slice(0, 2).map(point));
    expect(capped.body.truncated).toBe(true);

    expect((await h.admin.get('/api/v1/applications/nothing-here/summaries/runs')).status).toBe(404);
  });

  it("counts a channel's deliveries per bucket, with the latency median and maximum the delivery log gives", async () => {
    const deliveries = await allDeliveries(h.admin, h.channel);
    expect(deliveries.filter((d) => d.state === 'failed').length).toBeGreaterThanOrEqual(1);
    expect(deliveries.filter((d) => d.state === 'delivered').length).toBeGreaterThanOrEqual(3);
    const res = await h.admin.get(`/api/v1/channels/${h.channel}/summaries/deliveries?hours=24`);
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    const s = res.body;
    const expected = new Map<string, { total: number; delivered: number; failed: number; pending: number; latencies: number[] }>();
    for (const d of deliveries.filter((d) => d.kind !== 'gate')) {
      const key = bucketOf(d.createdAt, s.bucketSeconds);
      const e = expected.get(key) ?? { total: 0, delivered: 0, failed: 0, pending: 0, latencies: [] };
      e.total++;
      e[d.state]++;
      if (d.state === 'delivered' && d.deliveredAt && d.kind !== 'revision') e.latencies.push(Date.parse(d.deliveredAt) - Date.parse(d.createdAt));
      expected.set(key, e);
    }
    const want = Object.fromEntries(
      [...expected].map(([start, e]) => {
        const sorted = [...e.latencies].sort((a, b) => a - b);
        return [
          start,
          {
            start,
            total: e.total,
            delivered: e.delivered,
            failed: e.failed,
            pending: e.pending,
            // the lower median, as the service computes it
            latencyP50Ms: sorted.length ? sorted[Math.floor((sorted.length + 1) / 2) - 1] : null,
            latencyMaxMs: sorted.length ? sorted[sorted.length - 1] : null,
          },
        ];
      }),
    );
    expect(Object.fromEntries(s.buckets.filter((b: any) => b.total > 0).map((b: any) => [b.start, b]))).toEqual(want);
    expect(s.buckets.filter((b: any) => b.total === 0).every((b: any) => b.latencyP50Ms === null && b.latencyMaxMs === null)).toBe(true);
    expect((await h.admin.get('/api/v1/channels/nothing-here/summaries/deliveries')).status).toBe(404);
  });

  it('keeps the health of the fleet over time: the current bucket holds the targets as listed now, no bucket before the service started has any', async () => {
    const app = await getApplication(h.admin, h.app);
    const now = Object.fromEntries(HEALTHS.map((x) => [x, app.status.targets.filter((t: any) => t.health === x).length]));
    expect(now).toMatchObject({ Healthy: 1, Progressing: 1 });
    for (const hours of [24, 1]) {
      const s = await eventually(
        `the last bucket of ${hours}h shows ${JSON.stringify(now)}`,
        async () => (await h.admin.get(`/api/v1/summaries/health?hours=${hours}`)).body,
        (body) => JSON.stringify(body.buckets.at(-1).health) === JSON.stringify(now),
        15_000,
      );
      for (const b of s.buckets) if (Date.parse(b.start) + s.bucketSeconds * 1000 <= h.startedAt) expect(b.health, b.start).toBeNull();
    }
    // what was written: no targets at the start, then the targets as they came up; the same counts are not written twice
    const db = h.running.app.get(DataSource);
    const samples: { at: number; health: string; targets: number }[] = await db.query('SELECT at, health, targets FROM health_samples ORDER BY at, health');
    const byAt = new Map<number, Record<string, number>>();
    for (const r of samples) byAt.set(r.at, { ...byAt.get(r.at), [r.health]: r.targets });
    const series = [...byAt.values()];
    expect(series.every((c) => Object.keys(c).length === HEALTHS.length)).toBe(true);
    expect(Object.values(series[0]).every((n) => n === 0)).toBe(true);
    expect(series.at(-1)).toEqual(now);
    expect(series.every((c, i) => i === 0 || JSON.stringify(c) !== JSON.stringify(series[i - 1]))).toBe(true);
    expect(await h.running.app.get(HealthSamples).sample()).toBe(false);
  });

  it('reads each bucket as of its end: the last sample before it carries on until the next', async () => {
    // two samples written earlier in the day, as an older run of the service would have
    const db = h.running.app.get(DataSource);
    const hour = 3_600_000;
    const base = Math.floor(Date.now() / hour) * hour;
    const write = (at: number, counts: Record<string, number>) =>
      db.query(
        `INSERT INTO health_samples (at, health, targets) VALUES ${HEALTHS.map(() => '(?, ?, ?)').join(', ')}`,
        HEALTHS.flatMap((x) => [at, x, counts[x] ?? 0]),
      );
    await write(base - 5 * hour + 600_000, { Healthy: 3, Degraded: 1 });
    await write(base - 3 * hour + 60_000, { Healthy: 4 });
    const s = (await h.admin.get('/api/v1/summaries/health?hours=24')).body;
    const at = (hoursAgo: number) => s.buckets.find((b: any) => Date.parse(b.start) === base - hoursAgo * hour)?.health;
    expect(at(6)).toBeNull();
    expect(at(5)).toMatchObject({ Healthy: 3, Degraded: 1, Progressing: 0 });
    expect(at(4)).toMatchObject({ Healthy: 3, Degraded: 1 });
    expect(at(3)).toMatchObject({ Healthy: 4, Degraded: 0 });
    expect(at(1)).toMatchObject({ Healthy: 4, Degraded: 0 });

    // kept for 30 days, and the newest older sample with them: it is the state the window starts in
    const day = 24 * hour;
    await write(Date.now() - 40 * day, { Unknown: 9 });
    await write(Date.now() - 35 * day, { Unknown: 8 });
    await h.running.app.get(HealthSamples).forgetOld();
    const old: { targets: number }[] = await db.query(`SELECT targets FROM health_samples WHERE health = 'Unknown' AND at < ?`, [Date.now() - 30 * day]);
    expect(old.map((r) => r.targets)).toEqual([8]);
  });

  it('answers 400 naming the parameter for a window out of range or not a number, and unknown parameters', async () => {
    const cases: [string, RegExp][] = [
      ['/api/v1/summaries/runs?hours=0', /hours must not be less than 1/],
      ['/api/v1/summaries/runs?hours=721', /hours must not be greater than 720/],
      ['/api/v1/summaries/health?hours=soon', /hours must be an integer/],
      ['/api/v1/summaries/health?hours=1.5', /hours must be an integer/],
      ['/api/v1/summaries/runs?days=2', /property days should not exist/],
      [`/api/v1/applications/${h.app}/summaries/runs?limit=0`, /limit must not be less than 1/],
      [`/api/v1/applications/${h.app}/summaries/runs?cluster=Not_A_Name`, /cluster must be a cluster name/],
      [`/api/v1/channels/${h.channel}/summaries/deliveries?hours=100000`, /hours must not be greater than 720/],
      ['/api/v1/channels/Bad_Name/summaries/deliveries', /name "Bad_Name" is not a DNS-1123 label/],
    ];
    for (const [path, message] of cases) {
      const res = await h.admin.get(path);
      expect(res.status, path).toBe(400);
      expect([res.body.message].flat().join('; '), path).toMatch(message);
    }
  });
});
