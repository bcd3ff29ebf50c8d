import { describe, expect, it } from 'vitest';
import { ManualClock, systemClock } from './clock';

describe('clocks', () => {
  it('a manual clock fires timers in time order only when advanced', async () => {
    const clock = new ManualClock(0);
    const fired: string[] = [];
    clock.after(300, () => fired.push('c'));
    clock.after(100, () => fired.push('a'));
    clock.after(100, () => fired.push('b'));
    const cancelled = clock.after(200, () => fired.push('never'));
    cancelled.cancel();
    await clock.advance(99);
    expect(fired).toEqual([]);
    await clock.advance(201);
    expect(fired).toEqual(['a', 'b', 'c']);
    expect(clock.now()).toBe(300);
    expect(clock.date().toISOString()).toBe('1970-01-01T00:00:00.300Z');
  });

  it('sleep resolves when time has passed and rejects when aborted first', async () => {
    const clock = new ManualClock(0);
    let woke = false;
    const sleeping = clock.sleep(1_000).then(() => (woke = true));
    await clock.advance(999);
    expect(woke).toBe(false);
    await clock.advance(1);
    await sleeping;
    expect(woke).toBe(true);

    const abort = new AbortController();
    const cut = clock.sleep(1_000, abort.signal);
    abort.abort(new Error('stop'));
    await expect(cut).rejects.toThrow('stop');
    expect(clock.timers).toBe(0);
    await expect(clock.sleep(10, AbortSignal.abort(new Error('already')))).rejects.toThrow('already');
  });

  it('the system clock sleeps in real time', async () => {
    const started = Date.now();
    await systemClock.sleep(30);
    expect(Date.now() - started).toBeGreaterThanOrEqual(25);
  });
});
