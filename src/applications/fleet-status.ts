import { Injectable } from '@nestjs/common';
import { Cluster } from '../clusters/cluster.entity';
import { Database } from '../database/database';
import { InvalidInputError } from '../shared/errors';
import { LabelSelectorError, matches, parseSelector, type Requirement } from '../shared/label-selector';
import type { FleetCellView, FleetCountsView, FleetRowView, FleetView } from './dto/fleet.view';
import type { WaveProgress } from './rollout/rollout.entity';

export interface FleetFilter {
  name?: string;
  selector?: string;
  clusterSelector?: string;
  limit: number;
  cursor?: string;
}

type CountKey = Exclude<keyof FleetCountsView, 'targets'>;
const HEALTH_KEYS: Record<string, CountKey> = { Healthy: 'healthy', Progressing: 'progressing', Degraded: 'degraded', Suspended: 'suspended', Missing: 'missing' };

/** targets of one sync and one health, as the database groups them */
interface Group {
  sync: string;
  health: string;
  n: number;
}

/**
 * The fleet matrix's data: applications × clusters with target counts per cell, aggregated by
 * SQLite over the targets table, never by loading applications or targets as entities. Both
 * aggregates group by sync and health too (a count per state in SQL costs more than summing the
 * few groups here): the cells GROUP BY application, cluster, sync, health over the page's
 * applications (on the (application, cluster, namespace) index), the totals GROUP BY cluster,
 * sync, health over every matching application (from IDX_targets_fleet_counts alone, in its
 * order). A page costs five statements however many rows and clusters there are — the clusters,
 * the page's applications, their cells, the count of every matching application, the totals —
 * plus one for the current rollouts when an application on the page has one.
 */
@Injectable()
export class FleetStatus {
  constructor(private readonly db: Database) {}

  async page(f: FleetFilter): Promise<FleetView> {
    const appRequirements = parse('selector', f.selector);
    const clusterRequirements = parse('clusterSelector', f.clusterSelector);
    const clusters = (await this.db.manager.find(Cluster, { select: { name: true, labels: true, phase: true, message: true }, order: { name: 'ASC' } })).filter((c) =>
      matches(clusterRequirements, c.labels),
    );
    const clusterNames = clusters.map((c) => c.name);

    // which applications: the filters as one WHERE over `applications a`
    const where: string[] = [];
    const params: unknown[] = [];
    if (f.name) {
      const name = f.name.toLowerCase();
      if (/[*?]/.test(name)) where.push('a.name GLOB ?');
      else where.push('instr(a.name, ?) > 0');
      params.push(name);
    }
    for (const r of appRequirements) {
      const sql = labelSql(r);
      where.push(sql.text);
      params.push(...sql.params);
    }
    // with a cluster selector, only applications with a target on a selected cluster are rows
    const onClusters = `t.cluster IN (${clusterNames.map(() => '?').join(', ')})`;
    if (f.clusterSelector !== undefined && f.clusterSelector.trim() !== '') {
      if (!clusterNames.length) where.push('0');
      else {
        where.push(`EXISTS (SELECT 1 FROM targets t WHERE t.application = a.name AND t.leaving = 0 AND ${onClusters})`);
        params.push(...clusterNames);
      }
    }
    const filter = where.length ? where.join(' AND ') : '1';
    const clusterFilter = f.clusterSelector?.trim() ? (clusterNames.length ? onClusters : '0') : '1';
    const clusterParams = f.clusterSelector?.trim() ? clusterNames : [];

    const apps: { name: string; labels: string; rollout: number }[] = await this.db.manager.query(
      `SELECT a.name AS name, a.labels AS labels, (a.rollout IS NOT NULL AND a.rollout <> 'null') AS rollout FROM applications a
       WHERE ${filter}${f.cursor ? ' AND a.name > ?' : ''} ORDER BY a.name LIMIT ?`,
      [...params, ...(f.cursor ? [f.cursor] : []), f.limit + 1],
    );
    const more = apps.length > f.limit;
    const page = more ? apps.slice(0, f.limit) : apps;
    const names = page.map((a) => a.name);

    const cellGroups: (Group & { application: string; cluster: string; namespaces: string })[] = names.length
      ? await this.db.manager.query(
          `SELECT t.application AS application, t.cluster AS cluster, t.sync AS sync, t.health AS health, COUNT(*) AS n,
                  group_concat(t.namespace, char(10)) AS namespaces
           FROM targets t WHERE t.application IN (${names.map(() => '?').join(', ')}) AND t.leaving = 0 AND ${clusterFilter}
           GROUP BY t.application, t.cluster, t.sync, t.health`,
          [...names, ...clusterParams],
        )
      : [];
    const [{ total }]: { total: number }[] = await this.db.manager.query(`SELECT COUNT(*) AS total FROM applications a WHERE ${filter}`, params);
    const groups: (Group & { cluster: string })[] = await this.db.manager.query(
      `SELECT t.cluster AS cluster, t.sync AS sync, t.health AS health, COUNT(*) AS n FROM targets t
       WHERE t.leaving = 0 AND ${clusterFilter}${where.length ? ` AND t.application IN (SELECT a.name FROM applications a WHERE ${filter})` : ''}
       GROUP BY t.cluster, t.sync, t.health`,
      [...clusterParams, ...(where.length ? params : [])],
    );
    const waiting = await this.waitingTargets(page.filter((a) => a.rollout).map((a) => a.name));

    const rows = new Map<string, FleetRowView>(
      page.map((a) => [a.name, { name: a.name, labels: JSON.parse(a.labels) as Record<string, string>, counts: emptyCounts(), cells: {} }]),
    );
    const selected = new Set(clusterNames);
    const cells = new Map<FleetRowView, Map<string, { counts: FleetCountsView; namespaces: string[] }>>();
    for (const g of cellGroups) {
      // targets on a cluster no longer registered have no column
      if (!selected.has(g.cluster)) continue;
      const row = rows.get(g.application)!;
      const byCluster = cells.get(row) ?? new Map<string, { counts: FleetCountsView; namespaces: string[] }>();
      cells.set(row, byCluster);
      const cell = byCluster.get(g.cluster) ?? { counts: emptyCounts(), namespaces: [] };
      byCluster.set(g.cluster, cell);
      count(cell.counts, g);
      cell.namespaces.push(...g.namespaces.split('\n'));
      count(row.counts, g);
    }
    for (const [row, byCluster] of cells) {
      for (const [cluster, { counts, namespaces }] of byCluster) {
        const cell: FleetCellView = { targets: counts.targets, namespaces: namespaces.sort() };
        for (const key of COUNT_KEYS) if (counts[key]) cell[key] = counts[key];
        const held = waiting
          .get(row.name)
          ?.get(cluster)
          ?.filter((w) => namespaces.includes(w.namespace));
        if (held?.length) {
          cell.waiting = held.length;
          cell.wave = held[0].wave;
        }
        row.cells[cluster] = cell;
      }
    }
    const columns = new Map(clusterNames.map((name) => [name, emptyCounts()]));
    const totals = emptyCounts();
    for (const g of groups) {
      const column = columns.get(g.cluster);
      if (!column) continue;
      count(column, g);
      count(totals, g);
    }
    return {
      clusters: clusters.map((c) => ({ name: c.name, labels: c.labels, phase: c.phase, message: c.message, counts: columns.get(c.name)! })),
      items: [...rows.values()],
      total,
      totals,
      nextCursor: more ? names[names.length - 1] : null,
    };
  }

  /** application → cluster → its targets its current rollout holds back, in wave order */
  private async waitingTargets(names: string[]): Promise<Map<string, Map<string, { namespace: string; wave: string }[]>>> {
    const out = new Map<string, Map<string, { namespace: string; wave: string }[]>>();
    if (!names.length) return out;
    const rollouts: { application: string; waves: string }[] = await this.db.manager.query(
      `SELECT application, waves FROM rollouts WHERE id IN (SELECT MAX(id) FROM rollouts WHERE application IN (${names.map(() => '?').join(', ')}) GROUP BY application)`,
      names,
    );
    for (const r of rollouts) {
      const byCluster = new Map<string, { namespace: string; wave: string }[]>();
      for (const w of JSON.parse(r.waves) as WaveProgress[]) {
        for (const t of w.targets) {
          if (t.state !== 'Waiting') continue;
          const list = byCluster.get(t.cluster) ?? [];
          list.push({ namespace: t.namespace, wave: w.name });
          byCluster.set(t.cluster, list);
        }
      }
      out.set(r.application, byCluster);
    }
    return out;
  }
}

function parse(parameter: string, selector: string | undefined): Requirement[] {
  try {
    return parseSelector(selector ?? '');
  } catch (e) {
    if (e instanceof LabelSelectorError) throw new InvalidInputError(`${parameter}: ${e.message}`);
    throw e;
  }
}

/**
 * One requirement over the applications' labels (a JSON object): SQLite's JSON functions with a
 * bound path. Keys are valid label keys by now (letters, digits, "-", "_", ".", "/"), so quoting
 * the key in the path is enough.
 */
function labelSql(r: Requirement): { text: string; params: unknown[] } {
  const path = `$."${r.key}"`;
  const list = r.values.map(() => '?').join(', ');
  switch (r.operator) {
    case 'Exists':
      return { text: 'json_type(a.labels, ?) IS NOT NULL', params: [path] };
    case 'DoesNotExist':
      return { text: 'json_type(a.labels, ?) IS NULL', params: [path] };
    case 'In':
      return { text: `json_extract(a.labels, ?) IN (${list})`, params: [path, ...r.values] };
    case 'NotIn':
      return { text: `(json_type(a.labels, ?) IS NULL OR json_extract(a.labels, ?) NOT IN (${list}))`, params: [path, path, ...r.values] };
  }
}

const COUNT_KEYS: CountKey[] = ['synced', 'outOfSync', 'unknown', 'healthy', 'progressing', 'degraded', 'suspended', 'missing'];

/** a group's targets added to counts: sync Synced, OutOfSync or else unknown; health by name */
function count(into: FleetCountsView, g: Group): void {
  into.targets += g.n;
  if (g.sync === 'Synced') into.synced += g.n;
  else if (g.sync === 'OutOfSync') into.outOfSync += g.n;
  else into.unknown += g.n;
  const health = HEALTH_KEYS[g.health];
  if (health) into[health] += g.n;
}

function emptyCounts(): FleetCountsView {
  return { targets: 0, synced: 0, outOfSync: 0, unknown: 0, healthy: 0, progressing: 0, degraded: 0, suspended: 0, missing: 0 };
}
