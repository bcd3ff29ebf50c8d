// The reconcile queue on its own: the real application, its real SQLite file, and target rows
// written straight into the table — with the work replaced by a recorder, so the rules of the
// queue (bounds, order, coalescing, leases) are what is measured, not the clusters.
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { ReconcileQueue } from '../../src/applications/reconcile-queue';
import { TargetRow } from '../../src/applications/target.entity';
import { Database } from '../../src/database/database';
import { startApp, type RunningApp } from '../support/app';
import { eventually } from '../support/eventually';

interface Call {
  id: number;
  cluster: string;
  trigger: string | null;
  start: number;
  end?: number;
}

describe('the reconcile queue', () => {
  let running: RunningApp;
  let queue: ReconcileQueue;
  let db: Database;
  let calls: Call[];
  let active: Map<string, number>;
  let peak: { total: number; perCluster: number };
  let hold: () => Promise<void>;

  const insert = async (rows: Array<Partial<TargetRow>>) =>
    db.write(async (tx) => {
      for (const r of rows) {
        await tx.insert(TargetRow, {
          application: 'q-app',
          path: 'x',
          problem: null,
          leaving: false,
          desiredRevision: null,
          revision: null,
          commit: null,
          sync: 'Unknown',
          health: 'Unknown',
          message: null,
          inventory: [],
          resources: [],
          lastRunId: null,
          dueAt: Date.now() + 3_600_000,
          priority: 2,
          pendingTrigger: null,
          pendingActor: null,
          failures: 0,
          owner: null,
          leaseExpiresAt: null,
          ...r,
        });
      }
    });
  const idOf = async (namespace: string) => (await db.manager.findOneByOrFail(TargetRow, { application: 'q-app', namespace })).id;

  beforeAll(async () => {
    running = await startApp({ FLOTILLA_SYNC__CONCURRENCY: '4', FLOTILLA_SYNC__PER_CLUSTER_CONCURRENCY: '2', FLOTILLA_LOG_LEVEL: 'warn' });
    queue = running.app.get(ReconcileQueue);
    db = running.app.get(Database);
    queue.setWork(async (target) => {
      const call: Call = { id: target.id, cluster: target.cluster, trigger: target.pendingTrigger, start: Date.now() };
      calls.push(call);
      active.set(target.cluster, (active.get(target.cluster) ?? 0) + 1);
      const total = [...active.values()].reduce((a, b) => a + b, 0);
      peak = { total: Math.max(peak.total, total), perCluster: Math.max(peak.perCluster, ...active.values()) };
      await hold();
      active.set(target.cluster, active.get(target.cluster)! - 1);
      call.end = Date.now();
      // the queue's owner gives the row back, as the reconciler does: due again in an hour
      await db.write((tx) =>
        tx.query(`UPDATE targets SET owner = NULL, leaseExpiresAt = NULL, dueAt = CASE WHEN priority < 2 THEN dueAt ELSE ? END WHERE id = ?`, [Date.now() + 3_600_000, target.id]),
      );
    });
  });
  afterAll(() => running?.close());
  beforeEach(async () => {
    await db.write((tx) => tx.query(`DELETE FROM targets`));
    calls = [];
    active = new Map();
    peak = { total: 0, perCluster: 0 };
    hold = () => new Promise((r) => setTimeout(r, 150));
  });

  it('never runs more than sync.concurrency targets at once, nor more than perClusterConcurrency on one cluster', async () => {
    await insert(Array.from({ length: 12 }, (_, i) => ({ cluster: `c${i % 3}`, namespace: `n${i}`, dueAt: Date.now() - 1000 })));
    queue.kick();
    await eventually(
      'every target worked on',
      async () => calls.filter((c) => c.end).length,
      (n) => n === 12,
      20_000,
    );
    expect(peak.total).toBe(4);
    expect(peak.perCluster).toBe(2);
  });

  it('never runs more than perClusterConcurrency targets on one cluster, however many are due there at once', async () => {
    // eight due on one cluster with four fleet slots: only the per-cluster bound keeps it at two
    await insert(Array.from({ length: 8 }, (_, i) => ({ cluster: 'crowded', namespace: `n${i}`, dueAt: Date.now() - 1000 })));
    const inFlight = (queue as unknown as { running: Map<number, { cluster: string }> }).running;
    const sampled: number[] = [];
    const sampler = setInterval(() => sampled.push([...inFlight.values()].filter((r) => r.cluster === 'crowded').length), 5);
    try {
      queue.kick();
      await eventually(
        'every target worked on',
        async () => calls.filter((c) => c.end).length,
        (n) => n === 8,
        20_000,
      );
    } finally {
      clearInterval(sampler);
    }
    expect(sampled.length).toBeGreaterThan(20);
    expect(Math.max(...sampled), 'targets of one cluster in the running set at once').toBe(2);
    expect(peak.perCluster).toBe(2);
  });

  it('runs manual and webhook triggers before periodic work that was due earlier', async () => {
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    hold = () => gate;
    // four slots busy with a cluster of their own, so the order of what follows is the queue's
    await insert(Array.from({ length: 4 }, (_, i) => ({ cluster: 'busy', namespace: `b${i}`, dueAt: Date.now() - 60_000 })));
    await db.write((tx) => tx.query(`UPDATE targets SET dueAt = ? WHERE cluster = 'busy'`, [Date.now() - 60_000]));
    running.config.sync.perClusterConcurrency = 4;
    try {
      queue.kick();
      await eventually(
        'slots busy',
        async () => calls.length,
        (n) => n === 4,
      );
      await insert([
        { cluster: 'c1', namespace: 'periodic-1', dueAt: Date.now() - 30_000 },
        { cluster: 'c1', namespace: 'periodic-2', dueAt: Date.now() - 20_000 },
        { cluster: 'c1', namespace: 'pushed' },
        { cluster: 'c1', namespace: 'asked' },
      ]);
      await queue.trigger({ application: 'q-app', cluster: 'c1', namespace: 'pushed' }, { trigger: 'webhook', actor: 'flotilla' });
      await queue.trigger({ application: 'q-app', cluster: 'c1', namespace: 'asked' }, { trigger: 'manual', actor: 'alice' });
      hold = () => new Promise((r) => setTimeout(r, 20));
      release();
      await eventually(
        'all done',
        async () => calls.filter((c) => c.end).length,
        (n) => n === 8,
        20_000,
      );
      const order = await Promise.all(['pushed', 'asked', 'periodic-1', 'periodic-2'].map(idOf));
      const started = calls.slice(4).map((c) => c.id);
      expect(started.slice(0, 2).sort()).toEqual(order.slice(0, 2).sort());
      expect(started.slice(2)).toEqual(order.slice(2));
      expect(calls.find((c) => c.id === order[1])?.trigger).toBe('manual');
    } finally {
      running.config.sync.perClusterConcurrency = 2;
    }
  });

  it('turns triggers that arrive during a run into one follow-up run, never a second run at once', async () => {
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    hold = () => gate;
    await insert([{ cluster: 'c1', namespace: 'busy', dueAt: Date.now() - 1000 }]);
    const id = await idOf('busy');
    queue.kick();
    await eventually(
      'first run started',
      async () => calls.length,
      (n) => n === 1,
    );
    for (let i = 0; i < 5; i++) await queue.trigger({ application: 'q-app', cluster: 'c1', namespace: 'busy' }, { trigger: 'manual', actor: `user-${i}` });
    await new Promise((r) => setTimeout(r, 300));
    expect(calls).toHaveLength(1); // leased: not started again while it runs
    hold = () => new Promise((r) => setTimeout(r, 20));
    release();
    await eventually(
      'one follow-up',
      async () => calls.filter((c) => c.end).length,
      (n) => n === 2,
    );
    await new Promise((r) => setTimeout(r, 1500));
    expect(calls.map((c) => [c.id, c.trigger])).toEqual([
      [id, null],
      [id, 'manual'],
    ]);
    expect(calls[1].start).toBeGreaterThanOrEqual(calls[0].end!);
  });

  it('leaves a target leased by another owner alone until its lease expires', async () => {
    const expires = Date.now() + 2_000;
    await insert([
      { cluster: 'c1', namespace: 'held', dueAt: Date.now() - 1000, owner: 'other-replica', leaseExpiresAt: expires },
      { cluster: 'c1', namespace: 'free', dueAt: Date.now() - 1000 },
    ]);
    queue.kick();
    await eventually(
      'free one done',
      async () => calls.filter((c) => c.end).length,
      (n) => n === 1,
    );
    expect(calls[0].id).toBe(await idOf('free'));
    await eventually(
      'held one taken over after its lease',
      async () => calls.length,
      (n) => n === 2,
      10_000,
    );
    const taken = calls[1];
    expect(taken.id).toBe(await idOf('held'));
    expect(taken.start).toBeGreaterThanOrEqual(expires);
  });
});
