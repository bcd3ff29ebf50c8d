import { SchedulerRegistry } from '@nestjs/schedule';
import { describe, expect, it } from 'vitest';
import { ManualClock, SystemClock } from '../shared/clock';
import { Scheduler } from './scheduler';

function setup() {
  const clock = new ManualClock();
  const registry = new SchedulerRegistry();
  return { clock, registry, scheduler: new Scheduler(clock, registry) };
}

describe('Scheduler', () => {
  it('runs a periodic job once per interval, driven by the clock', async () => {
    const { clock, scheduler } = setup();
    const runs: number[] = [];
    const start = clock.now();
    scheduler.every('tick', 1_000, () => void runs.push(clock.now() - start));
    await clock.advance(999);
    expect(runs).toEqual([]);
    await clock.advance(1);
    expect(runs).toEqual([1_000]);
    await clock.advance(3_000);
    expect(runs).toEqual([1_000, 2_000, 3_000, 4_000]);
  });

  it('keeps jittered runs within ±jitter of the interval, and not in lockstep', async () => {
    const { clock, scheduler } = setup();
    const times: Record<string, number[]> = { a: [], b: [] };
    for (const name of ['a', 'b']) scheduler.every(name, 10_000, () => void times[name].push(clock.now()), { jitter: 0.1 });
    await clock.advance(200_000);
    for (const name of ['a', 'b']) {
      const gaps = times[name].slice(1).map((t, i) => t - times[name][i]);
      expect(gaps.length).toBeGreaterThan(15);
      for (const gap of gaps) {
        expect(gap).toBeGreaterThanOrEqual(9_000);
        expect(gap).toBeLessThanOrEqual(11_000);
      }
      expect(new Set(gaps).size).toBeGreaterThan(1);
    }
    expect(times.a).not.toEqual(times.b);
  });

  it('never overlaps runs of one job: the next is armed when a slow run ends', async () => {
    const { clock, scheduler } = setup();
    let running = 0;
    let most = 0;
    let finish: () => void = () => undefined;
    const starts: number[] = [];
    scheduler.every('slow', 1_000, async () => {
      starts.push(clock.now());
      running++;
      most = Math.max(most, running);
      await new Promise<void>((resolve) => (finish = resolve));
      running--;
    });
    await clock.advance(5_000);
    expect(starts).toHaveLength(1);
    finish();
    await clock.advance(1_000);
    expect(starts).toHaveLength(2);
    // the first run took from 1 s to 5 s; the next comes one interval after it ended
    expect(starts[1] - starts[0]).toBe(5_000);
    expect(most).toBe(1);
  });

  it('runs a job once at a time, at once when that time has passed', async () => {
    const { clock, scheduler } = setup();
    const runs: string[] = [];
    scheduler.at('later', clock.now() + 5_000, () => void runs.push('later'));
    scheduler.at('past', new Date(clock.now() - 1), () => void runs.push('past'));
    await clock.advance(0);
    expect(runs).toEqual(['past']);
    await clock.advance(5_000);
    expect(runs).toEqual(['past', 'later']);
    await clock.advance(60_000);
    expect(runs).toEqual(['past', 'later']);
    expect(scheduler.names()).toEqual([]);
  });

  it('replaces a job scheduled again under its name, and cancels it', async () => {
    const { clock, scheduler } = setup();
    const runs: string[] = [];
    scheduler.every('job', 1_000, () => void runs.push('old'));
    scheduler.every('job', 1_000, () => void runs.push('new'));
    await clock.advance(1_000);
    expect(runs).toEqual(['new']);
    scheduler.cancel('job');
    expect(scheduler.has('job')).toBe(false);
    await clock.advance(10_000);
    expect(runs).toEqual(['new']);
    expect(clock.timers).toBe(0);
  });

  it('survives a failing run and keeps the schedule', async () => {
    const { clock, scheduler } = setup();
    let calls = 0;
    scheduler.every('flaky', 1_000, async () => {
      calls++;
      throw new Error('boom');
    });
    await clock.advance(3_000);
    expect(calls).toBe(3);
  });

  it('stops every job at shutdown, waiting for runs in flight', async () => {
    const { clock, scheduler } = setup();
    let finished = false;
    scheduler.every('long', 1_000, async () => {
      await new Promise((r) => setTimeout(r, 50));
      finished = true;
    });
    await clock.advance(1_000);
    await scheduler.onApplicationShutdown();
    expect(finished).toBe(true);
    expect(scheduler.names()).toEqual([]);
    expect(clock.timers).toBe(0);
    expect(() => scheduler.every('late', 1_000, () => undefined)).toThrow(/stopped/);
  });

  it("lists armed timers in Nest's SchedulerRegistry under the job name with the system clock", async () => {
    const registry = new SchedulerRegistry();
    const scheduler = new Scheduler(new SystemClock(), registry);
    let runs = 0;
    scheduler.every('visible', 20, () => void runs++);
    expect(registry.getTimeouts()).toEqual(['visible']);
    await new Promise((r) => setTimeout(r, 100));
    expect(runs).toBeGreaterThan(0);
    scheduler.cancel('visible');
    expect(registry.getTimeouts()).toEqual([]);
    await scheduler.onApplicationShutdown();
  });
});
