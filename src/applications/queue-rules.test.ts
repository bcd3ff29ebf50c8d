import { describe, expect, it } from 'vitest';
import { leaseExpiry, nextDueAt, PRIORITY, renewalMs, TRIGGER_PRIORITY, type DueTiming } from './queue-rules';
import { TRIGGERS } from './target.entity';

const NOW = 1_700_000_000_000;
const S = 1000;
const timing: DueTiming = { healthRecheckSeconds: 10, backoffBaseSeconds: 5, backoffMaxSeconds: 300 };

describe('the queue order', () => {
  it('takes urgent before soon before periodic (ORDER BY priority: lower first)', () => {
    expect(PRIORITY.urgent).toBeLessThan(PRIORITY.soon);
    expect(PRIORITY.soon).toBeLessThan(PRIORITY.periodic);
  });

  it('puts people, pushes and rollbacks first, self-heal and the schedule after them', () => {
    expect(Object.keys(TRIGGER_PRIORITY).sort()).toEqual([...TRIGGERS].sort());
    expect(TRIGGER_PRIORITY).toEqual({ manual: PRIORITY.urgent, webhook: PRIORITY.urgent, rollback: PRIORITY.urgent, selfHeal: PRIORITY.soon, schedule: PRIORITY.soon });
    // a trigger is never periodic: the claim resets a row to periodic, and release reads anything lower as "asked for meanwhile"
    for (const p of Object.values(TRIGGER_PRIORITY)) expect(p).toBeLessThan(PRIORITY.periodic);
  });
});

describe('the lease', () => {
  it('lasts sync.leaseSeconds and is renewed every third of it', () => {
    expect(leaseExpiry(NOW, 30)).toBe(NOW + 30 * S);
    expect(renewalMs(30)).toBe(10 * S);
  });
});

describe('nextDueAt', () => {
  it('is the interval after a look with nothing to follow', () => {
    expect(nextDueAt(NOW, { after: 'interval', intervalSeconds: 120 }, timing)).toBe(NOW + 120 * S);
  });

  it('rechecks Progressing health after sync.healthRecheckSeconds, never later than the interval', () => {
    expect(nextDueAt(NOW, { after: 'health', intervalSeconds: 120, health: 'Progressing' }, timing)).toBe(NOW + 10 * S);
    expect(nextDueAt(NOW, { after: 'health', intervalSeconds: 3, health: 'Progressing' }, timing)).toBe(NOW + 3 * S);
    for (const health of ['Healthy', 'Degraded', 'Missing', 'Suspended', 'Unknown'] as const) {
      expect(nextDueAt(NOW, { after: 'health', intervalSeconds: 120, health }, timing), health).toBe(NOW + 120 * S);
    }
  });

  it('backs off exponentially from sync.backoffBaseSeconds up to sync.backoffMaxSeconds', () => {
    const after = (failures: number) => (nextDueAt(NOW, { after: 'failures', failures }, timing) - NOW) / S;
    expect([1, 2, 3, 4, 5, 6, 7, 8].map(after)).toEqual([5, 10, 20, 40, 80, 160, 300, 300]);
    expect(after(0), 'no failure counted yet: the base').toBe(5);
    expect(after(1000), 'a huge count stays at the maximum').toBe(300);
  });

  it('waits for a sync window to open, or the interval if that comes first', () => {
    expect(nextDueAt(NOW, { after: 'window', intervalSeconds: 120, opensAt: NOW + 30 * S }, timing)).toBe(NOW + 30 * S);
    expect(nextDueAt(NOW, { after: 'window', intervalSeconds: 120, opensAt: NOW + 3600 * S }, timing)).toBe(NOW + 120 * S);
    expect(nextDueAt(NOW, { after: 'window', intervalSeconds: 120, opensAt: null }, timing), 'no window within a year').toBe(NOW + 120 * S);
  });

  it('is now after an interrupted run', () => {
    expect(nextDueAt(NOW, { after: 'now' }, timing)).toBe(NOW);
  });
});
