// The fleet: applications × clusters, each cell the counts of the application's targets on that
// cluster (GET /api/v1/fleet: one row per application, counted by the database). The filters —
// application name, application labels, cluster selector — go to the server and live in the
// address. Rows are virtualised and loaded a page at a time as they scroll into view, so a fleet
// of thousands of applications opens as fast as one of ten. Live events read the rows in view
// again (debounced); the matrix is a keyboard grid: arrows, Page Up/Down, Home/End move, Enter opens.
import {
  type CSSProperties,
  type FocusEvent,
  type FormEvent,
  type KeyboardEvent,
  type MouseEvent,
  type UIEvent,
  memo,
  useCallback,
  useEffect,
  useLayoutEffect,
  useRef,
  useState,
} from 'react';
import { api, ApiError, type Fleet as FleetPage, type FleetColumn, type FleetRow, must } from '../api/client';
import type { LiveEvent } from '../api/events';
import { FleetCharts } from '../components/charts/FleetCharts';
import { ErrorBox, LiveBadge, Loading } from '../components/Status';
import { useDebounced, useEvents, useVirtualRows } from '../hooks';
import { enc, navigate, targetPath } from '../router';
import {
  appendPage,
  cellHealth,
  cellState,
  cellSync,
  countText,
  describeCell,
  type FleetData,
  fleetQuery,
  type Filters,
  filtersOf,
  fromPage,
  labelText,
  mergeWindow,
  sameFilters,
  searchOf,
  withPhase,
} from './fleet-model';

const ROW_H = 34;
const OVERSCAN = 8;
/** rows per request: a few screens' worth; more come as they scroll into view */
const PAGE = 50;
/** the server's largest page */
const MAX_PAGE = 500;
/** typing in a filter asks the server this long after the last key */
const TYPING_MS = 300;

const fetchPage = (f: Filters, limit: number, cursor: string | null): Promise<FleetPage> => must(api.GET('/api/v1/fleet', { params: { query: fleetQuery(f, limit, cursor) } }));

export function Fleet({ query }: { query: URLSearchParams }) {
  const [draft, setDraft] = useState<Filters>(() => filtersOf(query));
  const [filters, setFilters] = useState<Filters>(draft);
  const [data, setData] = useState<FleetData | null>(null);
  const [error, setError] = useState<string | null>(null);
  const dataRef = useRef<FleetData | null>(null);
  const filtersRef = useRef(filters);
  filtersRef.current = filters;
  /** bumped by every new first load: answers to an older one are dropped */
  const generation = useRef(0);
  const loadingMore = useRef(false);
  /** the last first load failed (a bad filter): the rows shown are not this filter's, so no page is added to them */
  const failed = useRef(false);
  /** the rows in view (and overscan), as the matrix last reported them */
  const [view, setView] = useState({ first: 0, last: 0 });
  const viewRef = useRef(view);
  viewRef.current = view;
  /** applications an event named since their row was last read */
  const stale = useRef(new Set<string>());
  // performance marks for `npm run bench:ui`: first page in → its render painted
  const marks = useRef({ data: false, rendered: false });

  const commit = useCallback((next: FleetData) => {
    dataRef.current = next;
    setData(next);
  }, []);

  /** the first page(s) for these filters; `rows` more when the view is further down (a reload) */
  const load = useCallback(
    async (f: Filters, rows = PAGE) => {
      const gen = ++generation.current;
      loadingMore.current = false;
      try {
        const page = await fetchPage(f, Math.min(MAX_PAGE, Math.max(PAGE, rows)), null);
        if (gen !== generation.current) return;
        stale.current.clear();
        failed.current = false;
        if (!marks.current.data) {
          marks.current.data = true;
          performance.mark('fleet:data');
        }
        commit(fromPage(page));
        setError(null);
      } catch (e) {
        if (gen !== generation.current) return;
        failed.current = true;
        setError(e instanceof ApiError && e.status === 400 ? `filter: ${e.message}` : e instanceof Error ? e.message : String(e));
        if (!dataRef.current)
          commit({
            columns: [],
            rows: [],
            total: 0,
            totals: { targets: 0, synced: 0, outOfSync: 0, unknown: 0, healthy: 0, progressing: 0, degraded: 0, suspended: 0, missing: 0 },
            nextCursor: null,
          });
      }
    },
    [commit],
  );

  const loadMore = useCallback(async () => {
    const d = dataRef.current;
    if (!d?.nextCursor || loadingMore.current || failed.current) return;
    loadingMore.current = true;
    const gen = generation.current;
    try {
      // a jump far down (the scrollbar dragged, Ctrl+End) asks for the rows up to the view at once
      const page = await fetchPage(filtersRef.current, Math.min(MAX_PAGE, Math.max(PAGE, viewRef.current.last - d.rows.length + OVERSCAN)), d.nextCursor);
      // a reload, or a window read again up to the end, answered meanwhile
      if (gen !== generation.current || dataRef.current?.nextCursor !== d.nextCursor) return;
      commit(appendPage(dataRef.current, page));
    } catch (e) {
      if (gen === generation.current) setError(e instanceof Error ? e.message : String(e));
    } finally {
      if (gen === generation.current) loadingMore.current = false;
    }
  }, [commit]);

  // rows came or went (or the stream dropped): the pages are read again, as far down as the view
  const reload = useDebounced(() => void load(filtersRef.current, viewRef.current.last), 500);

  /** the rows in view read again, put in place; the totals and columns come with them */
  const refreshView = useCallback(async () => {
    const d = dataRef.current;
    if (!d || failed.current) return;
    // no row to read again: the first page, in case one has come
    if (!d.rows.length) return void reload();
    let lo = Math.min(viewRef.current.first, d.rows.length);
    let hi = Math.min(viewRef.current.last, d.rows.length);
    // the view is past the loaded rows (their page is on its way): read the first row, for the totals
    if (hi <= lo) [lo, hi] = [0, 1];
    const cursor = lo > 0 ? d.rows[lo - 1].name : null;
    for (let i = lo; i < hi; i++) stale.current.delete(d.rows[i].name);
    const gen = generation.current;
    try {
      const page = await fetchPage(filtersRef.current, Math.min(MAX_PAGE, Math.max(1, hi - lo)), cursor);
      if (gen !== generation.current || !dataRef.current) return;
      commit(mergeWindow(dataRef.current, cursor, page));
    } catch {
      // the next event or reconnect tries again
    }
  }, [commit, reload]);

  // a new filter: a new first page
  useEffect(() => {
    void load(filters);
  }, [load, filters]);

  // typing settles into a filter; the form's submit (Enter, Apply) applies at once
  useEffect(() => {
    if (sameFilters(draft, filters)) return;
    const t = window.setTimeout(() => setFilters(draft), TYPING_MS);
    return () => window.clearTimeout(t);
  }, [draft, filters]);
  const submit = (e: FormEvent) => {
    e.preventDefault();
    if (!sameFilters(draft, filters)) setFilters(draft);
  };

  // the filters live in the address, so a filtered matrix can be linked to
  useEffect(() => {
    const next = `/${searchOf(filters)}`;
    if (next !== window.location.pathname + window.location.search) window.history.replaceState(null, '', next);
  }, [filters]);
  // … and the address (back, a link) sets them
  const search = query.toString();
  useEffect(() => {
    const f = filtersOf(new URLSearchParams(search));
    if (!sameFilters(f, filtersRef.current)) {
      setDraft(f);
      setFilters(f);
    }
  }, [search]);

  // rows scrolled near the end of what is loaded: the next page
  useEffect(() => {
    if (data?.nextCursor && view.last + PAGE / 2 > data.rows.length) void loadMore();
  }, [view, data, loadMore]);

  const scheduleRefresh = useDebounced(() => void refreshView(), 300);
  // rows an event named while they were out of view: read when they come into it
  useEffect(() => {
    if (!data || !stale.current.size) return;
    for (let i = view.first; i < Math.min(view.last, data.rows.length); i++) {
      if (stale.current.has(data.rows[i].name)) return scheduleRefresh();
    }
  }, [view, data, scheduleRefresh]);

  const onEvents = useCallback(
    (events: LiveEvent[]) => {
      let refresh = false;
      let full = false;
      for (const e of events) {
        if (e.type === 'target' || e.type === 'rollout' || (e.type === 'application' && e.change === 'updated')) {
          stale.current.add(e.application);
          refresh = true;
        } else if (e.type === 'application') {
          // created or deleted: rows move, the pages are read again
          full = true;
        } else if (e.type === 'cluster') {
          if (e.change) full = true;
          else if (e.phase) {
            const d = dataRef.current;
            const columns = d && withPhase(d.columns, e.cluster, e.phase);
            if (d && columns) commit({ ...d, columns });
          } else refresh = true;
        }
      }
      if (full) reload();
      else if (refresh) scheduleRefresh();
    },
    [commit, reload, scheduleRefresh],
  );
  const live = useEvents(['target', 'application', 'cluster', 'rollout'], undefined, onEvents, reload);

  // "rendered": painted, after the first render with the first page in it
  useLayoutEffect(() => {
    const m = marks.current;
    if (!data || !m.data || m.rendered) return;
    m.rendered = true;
    performance.measure('fleet:commit', 'fleet:data');
    requestAnimationFrame(() =>
      setTimeout(() => {
        performance.mark('fleet:rendered');
        performance.measure('fleet:render', 'fleet:data', 'fleet:rendered');
      }, 0),
    );
  }, [data]);

  const edit = (field: keyof Filters) => (e: { target: { value: string } }) => setDraft((d) => ({ ...d, [field]: e.target.value }));
  const onRange = useCallback((first: number, last: number) => setView((v) => (v.first === first && v.last === last ? v : { first, last })), []);
  const t = data?.totals;

  return (
    <section className="fleet" aria-labelledby="fleet-title">
      <div className="toolbar">
        <h1 id="fleet-title">Fleet</h1>
        <form onSubmit={submit} className="inline-form fleet-filters" role="search" aria-label="filter the fleet">
          <label>
            Application
            <input type="search" value={draft.name} onChange={edit('name')} placeholder="name, or web-*" aria-label="filter applications by name" />
          </label>
          <label>
            Labels
            <input type="search" value={draft.labels} onChange={edit('labels')} placeholder="team=web" aria-label="application label selector" />
          </label>
          <label>
            Clusters
            <input type="search" value={draft.clusters} onChange={edit('clusters')} placeholder="env=prod,region in (eu,us)" aria-label="cluster label selector" />
          </label>
          <button type="submit">Apply</button>
        </form>
        <LiveBadge live={live} title={live ? 'live: changes appear as they happen' : 'not connected to the event stream'} />
      </div>
      <ErrorBox error={error} />
      {!data || !t ? (
        <Loading what="the fleet" />
      ) : (
        <>
          <p className="summary" data-testid="fleet-summary">
            {data.total} applications × {data.columns.length} clusters · {t.targets} targets · <span className="sync-Synced">{t.synced} synced</span> ·{' '}
            <span className="sync-OutOfSync">{t.outOfSync} out of sync</span> · <span className="health-Healthy">{t.healthy} healthy</span> ·{' '}
            <span className="health-Progressing">{t.progressing} progressing</span> · <span className="health-Degraded">{t.degraded} degraded</span>
          </p>
          {data.columns.length === 0 && !error ? <p className="muted">No cluster {filters.clusters.trim() ? 'matches this selector' : 'is registered'}.</p> : null}
          <Matrix data={data} onRange={onRange} />
          {data.total === 0 ? <p className="muted pad">No application matches.</p> : null}
        </>
      )}
      <FleetCharts />
    </section>
  );
}

// ---- the grid ------------------------------------------------------------------------------------

/** A cell of the grid: row -1 is the header, column -1 the application names. */
interface Pos {
  r: number;
  c: number;
}

/** pixel widths of the name column, the count column and a cluster's column */
interface Geometry {
  name: number;
  count: number;
  cell: number;
}

const COL_OVERSCAN = 3;

const MOVES: Record<string, [number, number]> = { ArrowUp: [-1, 0], ArrowDown: [1, 0], ArrowLeft: [0, -1], ArrowRight: [0, 1] };

function Matrix({ data, onRange }: { data: FleetData; onRange: (first: number, last: number) => void }) {
  const { rows, columns, total } = data;
  const { scroller, onScroll, first, last } = useVirtualRows<HTMLDivElement>(total, ROW_H, OVERSCAN, 800);
  const header = useRef<HTMLDivElement>(null);
  useEffect(() => onRange(first, last), [first, last, onRange]);

  // columns are virtualised too: only the clusters in view (and a few either side) have cells in
  // the DOM, each placed in its grid column; widths are measured from the header once laid out
  const [left, setLeft] = useState(0);
  const [width, setWidth] = useState(1200);
  const [geo, setGeo] = useState<Geometry>({ name: 240, count: 104, cell: 64 });
  useLayoutEffect(() => {
    const el = scroller.current;
    if (!el) return;
    const measure = () => {
      setWidth(el.clientWidth);
      const h = header.current;
      const name = h?.querySelector<HTMLElement>('.mname')?.offsetWidth;
      const count = h?.querySelector<HTMLElement>('.mcount')?.offsetWidth;
      const cell = h?.querySelector<HTMLElement>('.mcol')?.offsetWidth;
      if (name && count && cell) setGeo((g) => (g.name === name && g.count === count && g.cell === cell ? g : { name, count, cell }));
    };
    measure();
    const ro = new ResizeObserver(measure);
    ro.observe(el);
    return () => ro.disconnect();
  }, [scroller, columns.length]);
  const c0 = Math.max(0, Math.floor((left - geo.count) / geo.cell) - COL_OVERSCAN);
  const c1 = Math.min(columns.length, Math.ceil((left + width - geo.name - geo.count) / geo.cell) + COL_OVERSCAN);
  const onScrollBoth = (e: UIEvent<HTMLDivElement>) => {
    onScroll(e);
    setLeft(e.currentTarget.scrollLeft);
  };

  // roving tabindex: one cell of the grid is in the tab order — the one last focused, or while
  // that one is scrolled away, its row's name, or the first name in view
  const [active, setActive] = useState<Pos>({ r: 0, c: -1 });
  const rowShown = active.r === -1 || (active.r >= first && active.r < last);
  const colShown = active.c === -1 || (active.c >= c0 && active.c < c1);
  const tabPos: Pos = rowShown ? (colShown ? active : { r: active.r, c: -1 }) : { r: first, c: -1 };
  const pending = useRef<Pos | null>(null);

  /** focus a cell once it is rendered (a row comes into the DOM after scrolling, or after its page loads) */
  const focusPending = useCallback(() => {
    const p = pending.current;
    const box = scroller.current;
    if (!p || !box) return;
    // not there yet (its row is loading, its column scrolling into view): when it renders
    const el = box.querySelector<HTMLElement>(`[data-r="${p.r}"][data-c="${p.c}"]:not(.placeholder)`);
    if (!el) return;
    pending.current = null;
    el.focus({ preventScroll: true });
  }, [scroller]);
  useLayoutEffect(focusPending);

  const moveTo = (p: Pos) => {
    const box = scroller.current!;
    const headH = header.current?.offsetHeight ?? 0;
    if (p.r >= 0) {
      const top = p.r * ROW_H;
      if (top < box.scrollTop) box.scrollTop = top;
      else if (top + ROW_H > box.scrollTop + box.clientHeight - headH) box.scrollTop = top + ROW_H - box.clientHeight + headH;
    }
    if (p.c >= 0) {
      // horizontally, keep the cell clear of the sticky name column
      const x = geo.name + geo.count + p.c * geo.cell;
      if (x < box.scrollLeft + geo.name) box.scrollLeft = Math.max(0, x - geo.name);
      else if (x + geo.cell > box.scrollLeft + box.clientWidth) box.scrollLeft = x + geo.cell - box.clientWidth;
    } else box.scrollLeft = 0;
    setActive(p);
    pending.current = p;
    // rows already in the DOM are focused now; others when they render
    focusPending();
  };

  const onKeyDown = (e: KeyboardEvent<HTMLDivElement>) => {
    const el = e.target as HTMLElement;
    const r = Number(el.dataset.r);
    const c = Number(el.dataset.c);
    if (el.dataset.r === undefined || !Number.isInteger(r) || !Number.isInteger(c)) return;
    const lastRow = total - 1;
    const lastCol = columns.length - 1;
    const page = Math.max(1, Math.floor(((scroller.current?.clientHeight ?? 600) - (header.current?.offsetHeight ?? 0)) / ROW_H) - 1);
    let next: Pos | null = null;
    const move = MOVES[e.key];
    if (move) next = { r: r + move[0], c: c + move[1] };
    else if (e.key === 'PageDown') next = { r: Math.max(0, r) + page, c };
    else if (e.key === 'PageUp') next = { r: r - page, c };
    else if (e.key === 'Home') next = e.ctrlKey ? { r: 0, c } : { r, c: -1 };
    else if (e.key === 'End') next = e.ctrlKey ? { r: lastRow, c } : { r, c: lastCol };
    if (!next) return;
    e.preventDefault();
    moveTo({ r: Math.max(-1, Math.min(lastRow, next.r)), c: Math.max(-1, Math.min(lastCol, next.c)) });
  };

  const onFocus = (e: FocusEvent<HTMLDivElement>) => {
    // focus moved by other means (a click, Tab): a cell still waiting for its row is not wanted any more
    pending.current = null;
    const { r, c } = (e.target as HTMLElement).dataset;
    if (r !== undefined && c !== undefined && (Number(r) !== active.r || Number(c) !== active.c)) setActive({ r: Number(r), c: Number(c) });
  };
  const tab = (r: number, c: number) => (r === tabPos.r && c === tabPos.c ? 0 : -1);

  const slice: number[] = [];
  for (let i = first; i < last; i++) slice.push(i);

  return (
    <div
      className="matrix"
      ref={scroller}
      onScroll={onScrollBoth}
      onKeyDown={onKeyDown}
      onFocus={onFocus}
      role="grid"
      aria-label="applications by cluster"
      aria-rowcount={total + 1}
      aria-colcount={columns.length + 2}
      data-testid="matrix"
    >
      <div className="matrix-inner" style={{ '--cols': columns.length } as CSSProperties}>
        <div className="mrow mhead" role="row" aria-rowindex={1} ref={header}>
          <div className="mcell mname" role="columnheader" aria-colindex={1} tabIndex={tab(-1, -1)} data-r={-1} data-c={-1}>
            Application
          </div>
          <div className="mcell mcount" role="columnheader" aria-colindex={2}>
            Targets
          </div>
          {columns.slice(c0, c1).map((c, i) => (
            <ColumnHeader key={c.name} column={c} index={c0 + i} tabIndex={tab(-1, c0 + i)} />
          ))}
        </div>
        <div className="mbody" style={{ height: total * ROW_H }}>
          {slice.map((i) =>
            rows[i] ? (
              <MatrixRow key={rows[i].name} row={rows[i]} index={i} columns={columns} c0={c0} c1={c1} tabCol={tabPos.r === i ? tabPos.c : null} />
            ) : (
              <div key={`loading-${i}`} className="mrow loading" role="row" aria-rowindex={i + 2} style={{ transform: `translateY(${i * ROW_H}px)` }}>
                <div className="mcell mname muted placeholder" role="rowheader" tabIndex={tabPos.r === i ? 0 : -1} data-r={i} data-c={-1}>
                  loading…
                </div>
              </div>
            ),
          )}
        </div>
      </div>
    </div>
  );
}

/** A cluster's column header: the name written upwards, whole; name, phase and labels on hover and focus. */
const ColumnHeader = memo(function ColumnHeader({ column: c, index, tabIndex }: { column: FleetColumn; index: number; tabIndex: number }) {
  const labels = labelText(c.labels);
  const about = `cluster ${c.name}, ${c.phase}${labels ? `, labels ${labels}` : ', no labels'}; ${c.counts.targets} targets, ${c.counts.synced} synced, ${c.counts.degraded} degraded`;
  const to = `/clusters?name=${enc(c.name)}`;
  return (
    <div className="mcell mcol" role="columnheader" aria-colindex={index + 3} style={{ gridColumnStart: index + 3 }} data-cluster={c.name}>
      <a
        href={to}
        className="colname"
        tabIndex={tabIndex}
        data-r={-1}
        data-c={index}
        aria-label={about}
        title={`${c.name} (${c.phase})${labels ? `\n${labels}` : ''}${c.message ? `\n${c.message}` : ''}`}
        onClick={(e) => {
          if (e.button !== 0 || e.metaKey || e.ctrlKey || e.shiftKey || e.altKey) return;
          e.preventDefault();
          navigate(to);
        }}
      >
        <span className="coltext">{c.name}</span>
        <span className={`dot phase-${c.phase}`} aria-hidden="true" />
      </a>
      <span className="colcount" aria-hidden="true">
        {countText(c.counts)}
      </span>
      {/* what the title says, for keyboard users (a title shows on hover only); the link's label says it to screen readers */}
      <span className="coltip" aria-hidden="true">
        <strong>{c.name}</strong> · {c.phase}
        {labels ? <span className="coltip-labels">{labels}</span> : null}
      </span>
    </div>
  );
});

const SYNC: Record<string, string> = { Synced: '✓', OutOfSync: '≠', Unknown: '?' };
const HEALTH: Record<string, string> = { Healthy: '♥', Progressing: '◔', Degraded: '✕', Suspended: '❚', Missing: '∅', Unknown: '?' };

const MatrixRow = memo(function MatrixRow({
  row,
  index,
  columns,
  c0,
  c1,
  tabCol,
}: {
  row: FleetRow;
  index: number;
  columns: FleetColumn[];
  /** the columns in view: [c0, c1) */
  c0: number;
  c1: number;
  tabCol: number | null;
}) {
  const tab = (c: number) => (tabCol === c ? 0 : -1);
  const appPath = `/applications/${enc(row.name)}`;
  const go = (to: string) => (e: MouseEvent<HTMLAnchorElement>) => {
    if (e.button !== 0 || e.metaKey || e.ctrlKey || e.shiftKey || e.altKey) return;
    e.preventDefault();
    navigate(to);
  };
  return (
    <div className="mrow" role="row" aria-rowindex={index + 2} style={{ transform: `translateY(${index * ROW_H}px)` }} data-app={row.name}>
      <div className="mcell mname" role="rowheader" aria-colindex={1}>
        <a href={appPath} onClick={go(appPath)} data-r={index} data-c={-1} tabIndex={tab(-1)} title={row.name}>
          {row.name}
        </a>
      </div>
      <div className="mcell mcount" role="gridcell" aria-colindex={2}>
        {countText(row.counts)}
      </div>
      {columns.slice(c0, c1).map((c, i) => {
        const ci = c0 + i;
        const cell = row.cells[c.name];
        const place = { gridColumnStart: ci + 3 };
        if (!cell) {
          return (
            <div
              key={c.name}
              className="mcell mtarget empty"
              role="gridcell"
              aria-colindex={ci + 3}
              style={place}
              tabIndex={tab(ci)}
              data-r={index}
              data-c={ci}
              aria-label={`${row.name} on ${c.name}: no target`}
            />
          );
        }
        const sync = cellSync(cell);
        const health = cellHealth(cell);
        const single = cell.targets === 1 ? cell.namespaces[0] : null;
        // one target: its page; several: the application's, which lists them
        const to = single !== null ? targetPath(row.name, c.name, single) : appPath;
        const wave = cell.wave ?? null;
        const waiting = wave !== null ? ` — ${cell.targets > 1 ? `${cell.waiting} ` : ''}waiting for wave ${wave}` : '';
        const title = single !== null ? `${single}: ${sync}, ${health}${waiting}` : `${describeCell(cell)}${waiting}\nnamespaces: ${cell.namespaces.join(', ')}`;
        const label =
          single !== null
            ? `${row.name} on ${c.name}/${single}: ${sync}, ${health}${wave !== null ? `, waiting for wave ${wave}` : ''}`
            : `${row.name} on ${c.name}: ${describeCell(cell)}${wave !== null ? `, ${cell.waiting} waiting for wave ${wave}` : ''}`;
        return (
          <div key={c.name} className="mcell mtarget" role="gridcell" aria-colindex={ci + 3} style={place}>
            <a
              href={to}
              onClick={go(to)}
              className={`part state-${cellState(cell)}${wave !== null ? ' waiting' : ''}`}
              tabIndex={tab(ci)}
              data-r={index}
              data-c={ci}
              data-cell={c.name}
              data-target={single !== null ? `${c.name}/${single}` : undefined}
              data-targets={cell.targets}
              data-sync={sync}
              data-health={health}
              data-waiting-wave={wave ?? undefined}
              title={title}
              aria-label={label}
            >
              {cell.targets > 1 ? (
                <span className="ncount" aria-hidden="true">
                  {cell.targets}
                </span>
              ) : null}
              {/* glyphs as plain text (the label says it in words): fewer nodes for a screen of cells */}
              {`${SYNC[sync]} ${HEALTH[health]}`}
              {wave !== null ? (
                <span className="wave-mark" aria-hidden="true" data-testid="waiting-wave">
                  ⋯
                </span>
              ) : null}
            </a>
          </div>
        );
      })}
    </div>
  );
});
