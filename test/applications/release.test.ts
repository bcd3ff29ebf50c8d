// The reconciler giving a target back to the queue: the real application, its real SQLite file and
// the reconciler's own release step, with only the work on the target (render, plan, apply)
// replaced by a recorder that can be held — so what is measured is when the next run comes.
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { ReconcileQueue } from '../../src/applications/reconcile-queue';
import { TargetReconciler } from '../../src/applications/target-reconciler';
import { TargetRow } from '../../src/applications/target.entity';
import { Database } from '../../src/database/database';
import { startApp, type RunningApp } from '../support/app';
import { eventually } from '../support/eventually';
import { sleep } from '../support/workloads';

const HOUR = 3_600_000;

interface Call {
  trigger: string | null;
  actor: string | null;
  start: number;
  end?: number;
}

describe('the reconciler giving a target back after its work', () => {
  let running: RunningApp;
  let db: Database;
  let queue: ReconcileQueue;
  let calls: Call[];
  let hold: () => Promise<unknown>;

  const insertDue = (namespace: string) =>
    db.write(async (tx) => {
      await tx.insert(TargetRow, {
        application: 'rl-app',
        cluster: 'rl-cluster',
        namespace,
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
        dueAt: Date.now() - 1000,
        priority: 2,
        pendingTrigger: null,
        pendingActor: null,
        failures: 0,
        owner: null,
        leaseExpiresAt: null,
      });
    });

  beforeAll(async () => {
    running = await startApp({ FLOTILLA_LOG_LEVEL: 'warn' });
    db = running.app.get(Database);
    queue = running.app.get(ReconcileQueue);
    // only the work is replaced: reconcile() and its release() are the real ones, and every
    // piece of work asks to be looked at again in an hour
    const reconciler = running.app.get<TargetReconciler, { work: (t: TargetRow) => Promise<{ nextDueAt: number }> }>(TargetReconciler);
    reconciler.work = async (t) => {
      const call: Call = { trigger: t.pendingTrigger, actor: t.pendingActor, start: Date.now() };
      calls.push(call);
      await hold();
      call.end = Date.now();
      return { nextDueAt: Date.now() + HOUR };
    };
  });
  afterAll(() => running?.close());
  beforeEach(async () => {
    await db.write((tx) => tx.query(`DELETE FROM targets`));
    calls = [];
    hold = () => sleep(20);
  });

  it('runs a trigger that arrived during a run right after that run, not an interval later', async () => {
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    hold = () => gate;
    await insertDue('held');
    queue.kick();
    await eventually(
      'the first run is held',
      async () => calls.length,
      (n) => n === 1,
    );
    await queue.trigger({ application: 'rl-app', cluster: 'rl-cluster', namespace: 'held' }, { trigger: 'manual', actor: 'alice' });
    await sleep(300);
    expect(calls, 'leased: not started again while it runs').toHaveLength(1);
    hold = () => sleep(20);
    const released = Date.now();
    release();
    await eventually(
      'the follow-up run',
      async () => calls.length,
      (n) => n === 2,
      5_000,
    );
    expect(calls[1]).toMatchObject({ trigger: 'manual', actor: 'alice' });
    expect(calls[1].start - released, 'ms from the held run ending to the follow-up').toBeLessThan(5_000);
    // and the follow-up, with nothing arriving during it, is given back for the interval
    await sleep(2_500);
    expect(calls).toHaveLength(2);
    const row = await db.manager.findOneByOrFail(TargetRow, { application: 'rl-app', namespace: 'held' });
    expect(row.owner).toBeNull();
    expect(row.dueAt).toBeGreaterThan(Date.now() + HOUR - 60_000);
  });
});
