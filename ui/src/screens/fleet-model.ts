// The fleet matrix's data: one row per application, its targets grouped by cluster, updated in
// place by live events (a new row object for the changed application only, so only its row
// re-renders).
import type { Application, Cluster, Target } from '../api/client';
import type { LiveEvent } from '../api/events';

export interface Row {
  name: string;
  app: Application;
  /** cluster → its targets, by namespace */
  cells: Map<string, Target[]>;
}

export interface Counts {
  targets: number;
  synced: number;
  outOfSync: number;
  healthy: number;
  degraded: number;
  progressing: number;
}

export function rowOf(app: Application): Row {
  const cells = new Map<string, Target[]>();
  for (const t of app.status.targets) {
    const list = cells.get(t.cluster);
    if (list) list.push(t);
    else cells.set(t.cluster, [t]);
  }
  for (const list of cells.values()) list.sort((a, b) => a.namespace.localeCompare(b.namespace));
  return { name: app.name, app, cells };
}

export const emptyCounts = (): Counts => ({ targets: 0, synced: 0, outOfSync: 0, healthy: 0, degraded: 0, progressing: 0 });

export function add(c: Counts, t: Target): void {
  c.targets++;
  if (t.sync === 'Synced') c.synced++;
  else if (t.sync === 'OutOfSync') c.outOfSync++;
  if (t.health === 'Healthy') c.healthy++;
  else if (t.health === 'Degraded') c.degraded++;
  else if (t.health === 'Progressing') c.progressing++;
}

/** the state a cell is coloured by: the worst of its targets */
export function cellState(t: Pick<Target, 'sync' | 'health'>): string {
  if (t.health === 'Degraded' || t.health === 'Missing') return 'bad';
  if (t.sync === 'OutOfSync') return 'drift';
  if (t.health === 'Progressing') return 'busy';
  if (t.sync === 'Synced' && (t.health === 'Healthy' || t.health === 'Suspended')) return 'good';
  return 'unknown';
}

/** the wave a target waits for, when its application's rollout has not reached it yet */
export function waitingWave(t: Pick<Target, 'rollout'>): string | null {
  return t.rollout?.state === 'Waiting' ? t.rollout.wave : null;
}

/** One target event applied to the rows: a new array only when something changed. */
export function applyTargetEvent(rows: Row[], index: Map<string, number>, e: Extract<LiveEvent, { type: 'target' }>): Row[] | null {
  const i = index.get(e.application);
  if (i === undefined) return null;
  const row = rows[i];
  const targets = row.app.status.targets;
  const at = targets.findIndex((t) => t.cluster === e.cluster && t.namespace === e.namespace);
  const before = at >= 0 ? targets[at] : undefined;
  const next: Target = {
    ...(before ?? {
      cluster: e.cluster,
      namespace: e.namespace,
      sync: 'Unknown',
      health: 'Unknown',
      message: null,
      revision: null,
      desiredRevision: null,
      renderer: null,
      lastSyncRun: null,
      leaving: false,
      failures: 0,
      nextReconcileAt: null,
      rollout: null,
    }),
    ...(e.sync ? { sync: e.sync as Target['sync'] } : {}),
    ...(e.health ? { health: e.health as Target['health'] } : {}),
    ...(e.message !== undefined ? { message: e.message } : {}),
    ...(e.revision !== undefined && e.revision !== (before?.revision?.sha ?? null)
      ? { revision: e.revision ? { sha: e.revision, shortSha: e.revision.slice(0, 7), subject: '', author: '' } : null }
      : {}),
  };
  if (before && before.sync === next.sync && before.health === next.health && before.message === next.message && before.revision === next.revision) return null;
  const list = at >= 0 ? targets.map((t, j) => (j === at ? next : t)) : [...targets, next];
  const out = rows.slice();
  out[i] = rowOf({ ...row.app, status: { ...row.app.status, targets: list } });
  return out;
}

export function indexOf(rows: Row[]): Map<string, number> {
  return new Map(rows.map((r, i) => [r.name, i]));
}

/** insert or replace one application, keeping rows sorted by name */
export function upsert(rows: Row[], app: Application): Row[] {
  const row = rowOf(app);
  const at = rows.findIndex((r) => r.name === app.name);
  if (at >= 0) {
    const out = rows.slice();
    out[at] = row;
    return out;
  }
  const out = [...rows, row];
  out.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  return out;
}

export function clusterPhase(clusters: Cluster[], name: string, phase: string): Cluster[] | null {
  const at = clusters.findIndex((c) => c.name === name);
  if (at < 0 || clusters[at].status.phase === phase) return null;
  const out = clusters.slice();
  out[at] = { ...clusters[at], status: { ...clusters[at].status, phase: phase as Cluster['status']['phase'] } };
  return out;
}
