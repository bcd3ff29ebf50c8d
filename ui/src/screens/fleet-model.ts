// The fleet matrix's data: pages of GET /api/v1/fleet (one row per application, target counts per
// cluster) loaded as the rows scroll into view, and what a cell shows from its counts. Live
// events do not patch counts (an event says a target's new state, not what it was before, so a
// count cannot be moved from one state to the other): the rows in view are read again.
// the generated types themselves, not the client: this file has no DOM in it (the unit test imports it)
import type { components } from '../api/schema';

type Fleet = components['schemas']['FleetView'];
type FleetRow = components['schemas']['FleetRowView'];
type FleetCell = components['schemas']['FleetCellView'];
type FleetColumn = components['schemas']['FleetClusterView'];
type FleetCounts = components['schemas']['FleetCountsView'];

export interface Filters {
  /** part of an application name, or a glob of one */
  name: string;
  /** label selector over the applications */
  labels: string;
  /** label selector over the clusters */
  clusters: string;
}

/** The filters in the address: `?q=web&labels=team%3Dweb&selector=env%3Dprod` (selector: the clusters, as before). */
export function filtersOf(query: URLSearchParams): Filters {
  return { name: query.get('q') ?? '', labels: query.get('labels') ?? '', clusters: query.get('selector') ?? '' };
}

export function searchOf(f: Filters): string {
  const q = new URLSearchParams();
  if (f.name.trim()) q.set('q', f.name.trim());
  if (f.labels.trim()) q.set('labels', f.labels.trim());
  if (f.clusters.trim()) q.set('selector', f.clusters.trim());
  return q.size ? `?${q.toString()}` : '';
}

export const sameFilters = (a: Filters, b: Filters) => a.name.trim() === b.name.trim() && a.labels.trim() === b.labels.trim() && a.clusters.trim() === b.clusters.trim();

/** the query of GET /api/v1/fleet for these filters */
export function fleetQuery(f: Filters, limit: number, cursor: string | null): { name?: string; selector?: string; clusterSelector?: string; limit: number; cursor?: string } {
  return {
    ...(f.name.trim() ? { name: f.name.trim() } : {}),
    ...(f.labels.trim() ? { selector: f.labels.trim() } : {}),
    ...(f.clusters.trim() ? { clusterSelector: f.clusters.trim() } : {}),
    limit,
    ...(cursor ? { cursor } : {}),
  };
}

/** The rows loaded so far (the first pages, in name order) and what the last answer said of them all. */
export interface FleetData {
  columns: FleetColumn[];
  rows: FleetRow[];
  /** matching applications, loaded or not */
  total: number;
  totals: FleetCounts;
  /** where the next page starts; null: every row is loaded */
  nextCursor: string | null;
}

export const fromPage = (page: Fleet): FleetData => ({ columns: page.clusters, rows: page.items, total: page.total, totals: page.totals, nextCursor: page.nextCursor });

/** the next page appended */
export function appendPage(data: FleetData, page: Fleet): FleetData {
  return { columns: page.clusters, rows: [...data.rows, ...page.items], total: page.total, totals: page.totals, nextCursor: page.nextCursor };
}

/** index of the first row whose name sorts after `name` (rows are in the server's order: by name, bytewise) */
function after(rows: FleetRow[], name: string): number {
  let lo = 0;
  let hi = rows.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (rows[mid].name <= name) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/**
 * A window read again (the page after `cursor`) put in place of the rows it covers: those after
 * the cursor up to its last row, or every row after the cursor when it was the last page. Rows
 * that are gone, or new, in that range come and go with it.
 */
export function mergeWindow(data: FleetData, cursor: string | null, page: Fleet): FleetData {
  const lo = cursor === null ? 0 : after(data.rows, cursor);
  const last = page.items[page.items.length - 1]?.name;
  const complete = page.nextCursor === null;
  const hi = complete ? data.rows.length : last === undefined ? lo : after(data.rows, last);
  // unchanged rows keep their objects, so memoised rows do not render again
  const old = new Map(data.rows.slice(lo, hi).map((r) => [r.name, r]));
  const items = page.items.map((r) => {
    const before = old.get(r.name);
    return before && sameRow(before, r) ? before : r;
  });
  return {
    columns: sameColumns(data.columns, page.clusters) ? data.columns : page.clusters,
    rows: [...data.rows.slice(0, lo), ...items, ...data.rows.slice(hi)],
    total: page.total,
    totals: page.totals,
    nextCursor: complete ? null : data.nextCursor,
  };
}

const sameRow = (a: FleetRow, b: FleetRow) => JSON.stringify(a) === JSON.stringify(b);
const sameColumns = (a: FleetColumn[], b: FleetColumn[]) => JSON.stringify(a) === JSON.stringify(b);

/** one cluster's phase changed (a cluster event): a new column list, or null when nothing changed */
export function withPhase(columns: FleetColumn[], name: string, phase: string): FleetColumn[] | null {
  const at = columns.findIndex((c) => c.name === name);
  if (at < 0 || columns[at].phase === phase) return null;
  const out = columns.slice();
  out[at] = { ...columns[at], phase: phase as FleetColumn['phase'] };
  return out;
}

// ---- a cell from its counts ----------------------------------------------------------------------

const n = (v: number | undefined) => v ?? 0;

/** targets whose health is none of the counted ones */
const unknownHealth = (c: FleetCell) => c.targets - n(c.healthy) - n(c.progressing) - n(c.degraded) - n(c.suspended) - n(c.missing);

/** the cell's sync: OutOfSync when any target is, Synced when all are */
export function cellSync(c: FleetCell): 'Synced' | 'OutOfSync' | 'Unknown' {
  if (n(c.outOfSync)) return 'OutOfSync';
  return n(c.synced) === c.targets ? 'Synced' : 'Unknown';
}

/** the cell's health: its least healthy target's, in Argo CD's order (as the engine ranks an application's objects) */
export function cellHealth(c: FleetCell): 'Healthy' | 'Suspended' | 'Progressing' | 'Missing' | 'Degraded' | 'Unknown' {
  if (unknownHealth(c) > 0) return 'Unknown';
  if (n(c.degraded)) return 'Degraded';
  if (n(c.missing)) return 'Missing';
  if (n(c.progressing)) return 'Progressing';
  if (n(c.suspended)) return 'Suspended';
  return 'Healthy';
}

/** the state a cell is coloured by: the worst of its targets */
export function cellState(c: FleetCell): 'bad' | 'drift' | 'busy' | 'good' | 'unknown' {
  if (n(c.degraded) || n(c.missing)) return 'bad';
  if (n(c.outOfSync)) return 'drift';
  if (n(c.progressing)) return 'busy';
  if (n(c.synced) === c.targets && n(c.healthy) + n(c.suspended) === c.targets) return 'good';
  return 'unknown';
}

/** "3 targets: 2 synced, 1 out of sync; 2 healthy, 1 degraded" */
export function describeCell(c: FleetCell): string {
  const parts = (pairs: [number | undefined, string][]) =>
    pairs
      .filter(([v]) => n(v) > 0)
      .map(([v, what]) => `${v} ${what}`)
      .join(', ');
  const sync = parts([
    [c.synced, 'synced'],
    [c.outOfSync, 'out of sync'],
    [c.unknown, 'sync unknown'],
  ]);
  const health = parts([
    [c.healthy, 'healthy'],
    [c.progressing, 'progressing'],
    [c.degraded, 'degraded'],
    [c.suspended, 'suspended'],
    [c.missing, 'missing'],
    [unknownHealth(c), 'health unknown'],
  ]);
  return `${c.targets} targets: ${[sync, health].filter(Boolean).join('; ')}`;
}

/** a count column's text: "synced/targets✓", and "· n✕" when some are degraded */
export function countText(c: FleetCounts): string {
  if (!c.targets) return '—';
  const bad = c.degraded ? ` · ${c.degraded}✕` : '';
  return `${c.synced}/${c.targets}✓${bad}`;
}

/** "env=prod, region=eu" */
export function labelText(labels: Record<string, string>): string {
  return Object.entries(labels)
    .map(([k, v]) => `${k}=${v}`)
    .join(', ');
}
