// The fleet matrix's data handling, without a browser: a window of rows read again replaces the
// rows it covers (rows that came or went in that range included), and a cell's sync, health and
// colour follow from its counts as they did from its targets.
import { describe, expect, it } from 'vitest';
import type { components } from '../../ui/src/api/schema';
import { cellHealth, cellState, cellSync, describeCell, type FleetData, mergeWindow } from '../../ui/src/screens/fleet-model';

type Fleet = components['schemas']['FleetView'];
type FleetRow = components['schemas']['FleetRowView'];
type FleetCell = components['schemas']['FleetCellView'];

const totals = { targets: 0, synced: 0, outOfSync: 0, unknown: 0, healthy: 0, progressing: 0, degraded: 0, suspended: 0, missing: 0 };
const row = (name: string, synced = 1): FleetRow => ({ name, labels: {}, counts: { ...totals, targets: 1, synced }, cells: {} });
const data = (names: string[], nextCursor: string | null): FleetData => ({ columns: [], rows: names.map((n) => row(n)), total: 99, totals, nextCursor });
const page = (names: string[], nextCursor: string | null, synced = 0): Fleet => ({ clusters: [], items: names.map((n) => row(n, synced)), total: 42, totals, nextCursor });
const names = (d: FleetData) => d.rows.map((r) => r.name);

describe('mergeWindow', () => {
  it('replaces the rows after the cursor up to the last row read, keeping the rest and the next cursor', () => {
    const before = data(['a', 'b', 'c', 'd', 'e'], 'e');
    const after = mergeWindow(before, 'a', page(['b', 'c'], 'c'));
    expect(names(after)).toEqual(['a', 'b', 'c', 'd', 'e']);
    expect(after.rows[1].counts.synced).toBe(0);
    expect(after.rows[3]).toBe(before.rows[3]);
    expect(after.nextCursor).toBe('e');
    expect(after.total).toBe(42);
  });

  it('drops a row gone from the window and adds one that came', () => {
    const after = mergeWindow(data(['a', 'b', 'c', 'd', 'e'], 'e'), 'a', page(['bb', 'c', 'd'], 'd'));
    expect(names(after)).toEqual(['a', 'bb', 'c', 'd', 'e']);
  });

  it('from the start (no cursor), and to the end when the answer was the last page', () => {
    const before = data(['a', 'b', 'c', 'd'], 'd');
    const after = mergeWindow(before, null, page(['a', 'b'], null));
    // the last page: every row after the cursor is what it said, and nothing more is to load
    expect(names(after)).toEqual(['a', 'b']);
    expect(after.nextCursor).toBeNull();
    expect(names(mergeWindow(before, null, page(['a'], 'a')))).toEqual(['a', 'b', 'c', 'd']);
  });

  it('keeps a row object whose answer did not change, so its memoised row does not render again', () => {
    const before = data(['a', 'b'], null);
    const after = mergeWindow(before, null, { ...page([], null), items: [row('a'), row('b', 0)] });
    expect(after.rows[0]).toBe(before.rows[0]);
    expect(after.rows[1]).not.toBe(before.rows[1]);
  });
});

describe('a cell from its counts', () => {
  const cell = (c: Partial<FleetCell>): FleetCell => ({ targets: 1, namespaces: ['x'], ...c });

  it('is Synced and Healthy only when every target is', () => {
    const good = cell({ targets: 2, synced: 2, healthy: 2, namespaces: ['a', 'b'] });
    expect([cellSync(good), cellHealth(good), cellState(good)]).toEqual(['Synced', 'Healthy', 'good']);
    const half = cell({ targets: 2, synced: 1, unknown: 1, healthy: 2 });
    expect([cellSync(half), cellState(half)]).toEqual(['Unknown', 'unknown']);
  });

  it('takes the worst target: out of sync, then health in Argo CD order', () => {
    expect(cellSync(cell({ targets: 3, synced: 2, outOfSync: 1 }))).toBe('OutOfSync');
    expect(cellHealth(cell({ targets: 3, healthy: 1, progressing: 1, degraded: 1 }))).toBe('Degraded');
    expect(cellHealth(cell({ targets: 2, healthy: 1, suspended: 1 }))).toBe('Suspended');
    expect(cellHealth(cell({ targets: 2, healthy: 1 }))).toBe('Unknown');
    expect(cellState(cell({ targets: 2, synced: 1, outOfSync: 1, healthy: 1, missing: 1 }))).toBe('bad');
    expect(cellState(cell({ targets: 2, synced: 1, outOfSync: 1, healthy: 2 }))).toBe('drift');
    expect(cellState(cell({ targets: 1, synced: 1, progressing: 1 }))).toBe('busy');
  });

  it('says what it counts', () => {
    expect(describeCell(cell({ targets: 3, synced: 2, outOfSync: 1, healthy: 2 }))).toBe('3 targets: 2 synced, 1 out of sync; 2 healthy, 1 health unknown');
  });
});
