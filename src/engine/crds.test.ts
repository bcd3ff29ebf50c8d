import { describe, expect, it } from 'vitest';
import { ManualClock } from '../shared/clock';
import { waitForCrds, type CrdReader } from './crds';
import type { KubeObject } from './objects';

const crd: KubeObject = {
  apiVersion: 'apiextensions.k8s.io/v1',
  kind: 'CustomResourceDefinition',
  metadata: { name: 'widgets.ex.com' },
  spec: { group: 'ex.com', names: { kind: 'Widget', plural: 'widgets' }, versions: [{ name: 'v1', served: true }] },
};

/** A server on which the CRD becomes Established after `establishedAfter` reads. */
function server(establishedAfter: number): CrdReader & { reads: number } {
  const fake = {
    reads: 0,
    get: async () => {
      fake.reads++;
      const status = fake.reads > establishedAfter ? 'True' : 'False';
      return { ...crd, status: { conditions: [{ type: 'Established', status, message: 'the names are not accepted yet' }] } };
    },
    discovery: { tryResolve: async () => ({ group: 'ex.com', version: 'v1', kind: 'Widget', resource: 'widgets', namespaced: true, verbs: [] }) },
  };
  return fake;
}

describe('waiting for CRDs', () => {
  it('polls on the injected clock and gives up when its time, not the wall clock, has run out', async () => {
    const clock = new ManualClock();
    const slow = server(Infinity);
    let late: Awaited<ReturnType<typeof waitForCrds>> | undefined;
    const waiting = waitForCrds(slow, [crd], 60_000, clock).then((r) => (late = r));
    await clock.advance(59_000);
    expect(late).toBeUndefined();
    expect(slow.reads).toBeGreaterThan(500); // one read per 100 ms of clock time
    await clock.advance(2_000);
    await waiting;
    expect(late).toEqual([
      {
        ref: { group: 'apiextensions.k8s.io', version: 'v1', kind: 'CustomResourceDefinition', name: 'widgets.ex.com' },
        message: 'CRD widgets.ex.com not ready after 60000 ms: the names are not accepted yet',
      },
    ]);
  });

  it('returns as soon as the CRD is Established and served, and stops waiting when the signal aborts', async () => {
    const clock = new ManualClock();
    const soon = server(3);
    const ready = waitForCrds(soon, [crd], 60_000, clock);
    await clock.advance(300);
    expect(await ready).toEqual([]);
    expect(soon.reads).toBe(4);

    const stop = new AbortController();
    const aborted = waitForCrds(server(Infinity), [crd], 60_000, clock, stop.signal);
    await clock.advance(500);
    stop.abort();
    expect(await aborted).toEqual([]);
    expect(clock.timers).toBe(0);
  });
});
