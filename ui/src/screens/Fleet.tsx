// The fleet: applications × clusters, each cell the target's sync and health (several namespaces
// → a split cell). Rows are virtualised: only the rows in view are in the DOM, so 500 or 8,000
// applications render alike. Live events update cells in place; a target its application's
// rollout has not reached yet is marked as waiting for its wave.
import { type CSSProperties, type FormEvent, type KeyboardEvent, memo, useCallback, useEffect, useLayoutEffect, useMemo, useRef, useState } from 'react';
import { api, type Application, type Cluster, must } from '../api/client';
import type { LiveEvent } from '../api/events';
import { ErrorBox, LiveBadge, Loading } from '../components/Status';
import { useDebounced, useEvents, useVirtualRows } from '../hooks';
import { Link, navigate, targetPath, enc } from '../router';
import { add, applyTargetEvent, type Counts, cellState, clusterPhase, emptyCounts, indexOf, type Row, rowOf, upsert, waitingWave } from './fleet-model';

const ROW_H = 34;
const OVERSCAN = 8;
const PAGE = 500;

async function loadAllApplications(onPage: (apps: Application[]) => void): Promise<Application[]> {
  const all: Application[] = [];
  let cursor: string | undefined;
  for (;;) {
    const page = await must(api.GET('/api/v1/applications', { params: { query: { limit: PAGE, ...(cursor ? { cursor } : {}) } } }));
    all.push(...page.items);
    if (!page.nextCursor) return all;
    onPage(all.slice());
    cursor = page.nextCursor;
  }
}

export function Fleet({ query }: { query: URLSearchParams }) {
  const [nameFilter, setNameFilter] = useState(query.get('q') ?? '');
  const [selector, setSelector] = useState(query.get('selector') ?? '');
  const [selectorDraft, setSelectorDraft] = useState(selector);
  const [rows, setRows] = useState<Row[] | null>(null);
  const [clusters, setClusters] = useState<Cluster[] | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [selectorError, setSelectorError] = useState<string | null>(null);
  const rowsRef = useRef<Row[]>([]);
  const indexRef = useRef<Map<string, number>>(new Map());
  // performance marks for `npm run bench:ui`: data in (both lists) → first full render painted
  const marks = useRef({ apps: false, clusters: false, data: false, rendered: false });
  const markData = (part: 'apps' | 'clusters') => {
    const m = marks.current;
    m[part] = true;
    if (m.apps && m.clusters && !m.data) {
      m.data = true;
      performance.mark('fleet:data');
    }
  };

  const commitRows = useCallback((next: Row[]) => {
    rowsRef.current = next;
    indexRef.current = indexOf(next);
    setRows(next);
  }, []);

  const loadApps = useCallback(async () => {
    try {
      const apps = await loadAllApplications((partial) => commitRows(partial.map(rowOf)));
      commitRows(apps.map(rowOf));
      markData('apps');
      setError(null);
    } catch (e) {
      setError(e instanceof Error ? e.message : String(e));
    }
  }, [commitRows]);

  const loadClusters = useCallback(async (sel: string) => {
    try {
      const list = await must(api.GET('/api/v1/clusters', { params: { query: sel ? { selector: sel } : {} } }));
      setClusters(list);
      setSelectorError(null);
      markData('clusters');
    } catch (e) {
      setSelectorError(e instanceof Error ? e.message : String(e));
      setClusters((prev) => prev ?? []);
    }
  }, []);

  useEffect(() => {
    void loadApps();
  }, [loadApps]);
  useEffect(() => {
    void loadClusters(selector);
  }, [loadClusters, selector]);

  // the filters live in the address, so a filtered matrix can be linked to
  useEffect(() => {
    const q = new URLSearchParams();
    if (nameFilter) q.set('q', nameFilter);
    if (selector) q.set('selector', selector);
    const next = `/${q.size ? `?${q}` : ''}`;
    if (next !== window.location.pathname + window.location.search) window.history.replaceState(null, '', next);
  }, [nameFilter, selector]);

  const refetchApp = useCallback(
    async (name: string) => {
      const res = await api.GET('/api/v1/applications/{name}', { params: { path: { name } } });
      const rowsNow = rowsRef.current;
      if (res.response.status === 404) commitRows(rowsNow.filter((r) => r.name !== name));
      else if (res.data) commitRows(upsert(rowsNow, res.data));
    },
    [commitRows],
  );
  // rollout events come in bursts while a wave moves: one read per application per burst
  const rolledOut = useRef(new Set<string>());
  const refetchRolledOut = useDebounced(() => {
    const names = [...rolledOut.current];
    rolledOut.current.clear();
    for (const name of names) void refetchApp(name);
  }, 300);
  const reloadClusters = useDebounced(() => void loadClusters(selector), 300);
  const reloadAll = useDebounced(() => {
    void loadApps();
    void loadClusters(selector);
  }, 500);

  const onEvents = useCallback(
    (events: LiveEvent[]) => {
      let next = rowsRef.current;
      let changed = false;
      let index = indexRef.current;
      for (const e of events) {
        if (e.type === 'target') {
          const out = applyTargetEvent(next, index, e);
          if (out) {
            next = out;
            changed = true;
          }
        } else if (e.type === 'application') {
          if (e.change === 'deleted') {
            next = next.filter((r) => r.name !== e.application);
            index = indexOf(next);
            changed = true;
          } else void refetchApp(e.application);
        } else if (e.type === 'rollout') {
          // which targets wait for a later wave is in the application's view
          if (index.has(e.application)) {
            rolledOut.current.add(e.application);
            refetchRolledOut();
          }
        } else if (e.type === 'cluster') {
          // registered, relabelled, removed: columns and fan-outs change
          if (e.change) reloadAll();
          else if (e.phase) setClusters((prev) => (prev && clusterPhase(prev, e.cluster, e.phase!)) ?? prev);
          else reloadClusters();
        }
      }
      if (changed) commitRows(next);
    },
    [commitRows, refetchApp, refetchRolledOut, reloadAll, reloadClusters],
  );
  const live = useEvents(['target', 'application', 'cluster', 'rollout'], undefined, onEvents, reloadAll);

  const visibleRows = useMemo(() => {
    if (!rows || !clusters) return [];
    const q = nameFilter.trim().toLowerCase();
    const names = new Set(clusters.map((c) => c.name));
    return rows.filter((r) => (!q || r.name.includes(q)) && (!selector || [...r.cells.keys()].some((c) => names.has(c))));
  }, [rows, clusters, nameFilter, selector]);

  const { columnCounts, total } = useMemo(() => {
    const columnCounts = new Map<string, Counts>();
    const total = emptyCounts();
    for (const c of clusters ?? []) columnCounts.set(c.name, emptyCounts());
    for (const r of visibleRows) {
      for (const [cluster, targets] of r.cells) {
        const col = columnCounts.get(cluster);
        if (!col) continue;
        for (const t of targets) {
          add(col, t);
          add(total, t);
        }
      }
    }
    return { columnCounts, total };
  }, [visibleRows, clusters]);

  const ready = rows !== null && clusters !== null;
  // "rendered": painted, after the first render with all the data in it
  useLayoutEffect(() => {
    const m = marks.current;
    if (!ready || !m.data || m.rendered) return;
    m.rendered = true;
    performance.measure('fleet:commit', 'fleet:data');
    requestAnimationFrame(() =>
      setTimeout(() => {
        performance.mark('fleet:rendered');
        performance.measure('fleet:render', 'fleet:data', 'fleet:rendered');
      }, 0),
    );
  }, [ready, rows, clusters]);

  const submitSelector = (e: FormEvent) => {
    e.preventDefault();
    setSelector(selectorDraft.trim());
  };

  return (
    <section className="fleet" aria-labelledby="fleet-title">
      <div className="toolbar">
        <h1 id="fleet-title">Fleet</h1>
        <label>
          Application
          <input type="search" value={nameFilter} onChange={(e) => setNameFilter(e.target.value)} placeholder="filter by name" aria-label="filter applications by name" />
        </label>
        <form onSubmit={submitSelector} className="inline-form">
          <label>
            Clusters
            <input
              type="search"
              value={selectorDraft}
              onChange={(e) => setSelectorDraft(e.target.value)}
              placeholder="env=prod,region in (eu,us)"
              aria-label="cluster label selector"
            />
          </label>
          <button type="submit">Apply</button>
        </form>
        <LiveBadge live={live} title={live ? 'live: changes appear as they happen' : 'not connected to the event stream'} />
      </div>
      <ErrorBox error={error} />
      <ErrorBox error={selectorError && `cluster selector: ${selectorError}`} />
      {!ready ? (
        <Loading what="the fleet" />
      ) : (
        <>
          <p className="summary" data-testid="fleet-summary">
            {visibleRows.length} applications × {clusters.length} clusters · {total.targets} targets · <span className="sync-Synced">{total.synced} synced</span> ·{' '}
            <span className="sync-OutOfSync">{total.outOfSync} out of sync</span> · <span className="health-Healthy">{total.healthy} healthy</span> ·{' '}
            <span className="health-Progressing">{total.progressing} progressing</span> · <span className="health-Degraded">{total.degraded} degraded</span>
          </p>
          {clusters.length === 0 && !selectorError ? <p className="muted">No cluster {selector ? 'matches this selector' : 'is registered'}.</p> : null}
          <Matrix rows={visibleRows} clusters={clusters} columnCounts={columnCounts} />
        </>
      )}
    </section>
  );
}

function countText(c: Counts): string {
  if (!c.targets) return '—';
  const bad = c.degraded ? ` · ${c.degraded}✕` : '';
  return `${c.synced}/${c.targets}✓${bad}`;
}

function Matrix({ rows, clusters, columnCounts }: { rows: Row[]; clusters: Cluster[]; columnCounts: Map<string, Counts> }) {
  const { scroller, onScroll, first, last } = useVirtualRows<HTMLDivElement>(rows.length, ROW_H, OVERSCAN, 800);
  const slice = rows.slice(first, last);

  // arrow keys move between cells; rows out of view are scrolled in first
  const onKeyDown = (e: KeyboardEvent<HTMLDivElement>) => {
    const el = e.target as HTMLElement;
    const r = Number(el.dataset.r);
    const c = Number(el.dataset.c);
    if (!Number.isInteger(r) || !Number.isInteger(c)) return;
    const moves: Record<string, [number, number]> = { ArrowUp: [-1, 0], ArrowDown: [1, 0], ArrowLeft: [0, -1], ArrowRight: [0, 1], PageUp: [-10, 0], PageDown: [10, 0] };
    const move = moves[e.key];
    if (!move) return;
    e.preventDefault();
    const nr = Math.max(0, Math.min(rows.length - 1, r + move[0]));
    const nc = Math.max(-1, Math.min(clusters.length - 1, c + move[1]));
    const box = scroller.current!;
    const top = nr * ROW_H;
    const headerH = 56;
    if (top < box.scrollTop) box.scrollTop = top;
    else if (top + ROW_H > box.scrollTop + box.clientHeight - headerH) box.scrollTop = top + ROW_H - box.clientHeight + headerH;
    requestAnimationFrame(() => box.querySelector<HTMLElement>(`[data-r="${nr}"][data-c="${nc}"]`)?.focus());
  };

  return (
    <div
      className="matrix"
      ref={scroller}
      onScroll={onScroll}
      onKeyDown={onKeyDown}
      role="grid"
      aria-rowcount={rows.length + 1}
      aria-colcount={clusters.length + 2}
      data-testid="matrix"
    >
      <div className="matrix-inner" style={{ '--cols': clusters.length } as CSSProperties}>
        <div className="mrow mhead" role="row" aria-rowindex={1}>
          <div className="mcell mname" role="columnheader">
            Application
          </div>
          <div className="mcell mcount" role="columnheader">
            Targets
          </div>
          {clusters.map((c) => (
            <div key={c.name} className="mcell mcol" role="columnheader" title={`${c.name}: ${c.status.phase}${c.status.message ? ` — ${c.status.message}` : ''}`}>
              <Link to={`/clusters?name=${enc(c.name)}`} className="colname">
                <span className={`dot phase-${c.status.phase}`} aria-hidden="true" />
                {c.name}
              </Link>
              <span className="colcount">{countText(columnCounts.get(c.name) ?? emptyCounts())}</span>
            </div>
          ))}
        </div>
        <div className="mbody" style={{ height: rows.length * ROW_H }}>
          {slice.map((row, i) => (
            <MatrixRow key={row.name} row={row} index={first + i} clusters={clusters} />
          ))}
        </div>
      </div>
      {rows.length === 0 ? <p className="muted pad">No application matches.</p> : null}
    </div>
  );
}

const MatrixRow = memo(function MatrixRow({ row, index, clusters }: { row: Row; index: number; clusters: Cluster[] }) {
  const counts = emptyCounts();
  for (const c of clusters) for (const t of row.cells.get(c.name) ?? []) add(counts, t);
  return (
    <div className="mrow" role="row" aria-rowindex={index + 2} style={{ transform: `translateY(${index * ROW_H}px)` }} data-app={row.name}>
      <div className="mcell mname" role="rowheader">
        <Link to={`/applications/${enc(row.name)}`} data-r={index} data-c={-1} title={row.name}>
          {row.name}
        </Link>
      </div>
      <div className="mcell mcount" role="gridcell">
        {countText(counts)}
      </div>
      {clusters.map((c, ci) => {
        const targets = row.cells.get(c.name);
        if (!targets?.length) {
          return <div key={c.name} className="mcell mtarget empty" role="gridcell" tabIndex={-1} data-r={index} data-c={ci} aria-label={`${row.name} on ${c.name}: no target`} />;
        }
        return (
          <div key={c.name} className={`mcell mtarget split-${Math.min(targets.length, 4)}`} role="gridcell">
            {targets.map((t, ti) => {
              const wave = waitingWave(t);
              return (
                <a
                  key={t.namespace}
                  href={targetPath(row.name, t.cluster, t.namespace)}
                  onClick={(e) => {
                    if (e.button !== 0 || e.metaKey || e.ctrlKey || e.shiftKey) return;
                    e.preventDefault();
                    navigate(targetPath(row.name, t.cluster, t.namespace));
                  }}
                  className={`part state-${cellState(t)}${wave !== null ? ' waiting' : ''}`}
                  data-r={ti === 0 ? index : undefined}
                  data-c={ti === 0 ? ci : undefined}
                  data-target={`${t.cluster}/${t.namespace}`}
                  data-sync={t.sync}
                  data-health={t.health}
                  data-waiting-wave={wave ?? undefined}
                  title={`${t.namespace}: ${t.sync}, ${t.health}${t.revision ? ` at ${t.revision.shortSha}` : ''}${wave !== null ? ` — waiting for wave ${wave}` : ''}${t.message ? ` — ${t.message}` : ''}`}
                  aria-label={`${row.name} on ${t.cluster}/${t.namespace}: ${t.sync}, ${t.health}${wave !== null ? `, waiting for wave ${wave}` : ''}`}
                >
                  <span aria-hidden="true">{SYNC[t.sync] ?? '?'}</span>
                  <span aria-hidden="true">{HEALTH[t.health] ?? '?'}</span>
                  {wave !== null ? (
                    <span className="wave-mark" aria-hidden="true" data-testid="waiting-wave">
                      ⋯
                    </span>
                  ) : null}
                </a>
              );
            })}
          </div>
        );
      })}
    </div>
  );
});

const SYNC: Record<string, string> = { Synced: '✓', OutOfSync: '≠', Unknown: '?' };
const HEALTH: Record<string, string> = { Healthy: '♥', Progressing: '◔', Degraded: '✕', Suspended: '❚', Missing: '∅', Unknown: '?' };
