import { describe, expect, it } from 'vitest';
import { CoalescingRefresh } from './coalescing-refresh';

function deferred() {
  let resolve!: () => void;
  const promise = new Promise<void>((r) => (resolve = r));
  return { promise, resolve };
}

describe('CoalescingRefresh', () => {
  it('runs a burst of 50 triggers as one run in flight plus one queued', async () => {
    const gates = [deferred(), deferred(), deferred()];
    let runs = 0;
    let concurrent = 0;
    let maxConcurrent = 0;
    const refresh = new CoalescingRefresh(async () => {
      const n = runs++;
      concurrent++;
      maxConcurrent = Math.max(maxConcurrent, concurrent);
      await gates[n].promise;
      concurrent--;
      return n;
    });
    const results = Array.from({ length: 50 }, () => refresh.trigger('app'));
    await Promise.resolve();
    gates[0].resolve();
    gates[1].resolve();
    const values = await Promise.all(results);
    expect(runs).toBe(2);
    expect(maxConcurrent).toBe(1);
    expect(values[0]).toBe(0);
    expect(new Set(values.slice(1))).toEqual(new Set([1]));
    expect(refresh.busy('app')).toBe(false);
  });

  it('keeps keys independent and starts afresh once idle', async () => {
    let runs = 0;
    const refresh = new CoalescingRefresh(async (key) => `${key}:${++runs}`);
    expect(await Promise.all([refresh.trigger('a'), refresh.trigger('b')])).toEqual(['a:1', 'b:2']);
    expect(await refresh.trigger('a')).toBe('a:3');
  });

  it('runs the queued refresh even when the one in flight fails', async () => {
    let runs = 0;
    const refresh = new CoalescingRefresh(async () => {
      if (++runs === 1) throw new Error('remote down');
      return runs;
    });
    const first = refresh.trigger('app');
    const second = refresh.trigger('app');
    await expect(first).rejects.toThrow('remote down');
    await expect(second).resolves.toBe(2);
  });
});
