import { type UIEvent, useCallback, useEffect, useLayoutEffect, useRef, useState } from 'react';
import { type EventType, type LiveEvent, openEventStream } from './api/events';

const messageOf = (e: unknown): string => (e instanceof Error ? e.message : String(e));

/**
 * A number that changes exactly when an element of `deps` does (compared with Object.is, as React
 * compares a dependency list), so that a caller's dependency list can stand in an effect's, which
 * must be an array literal for the hooks linter to check it. Like the `…Ref.current = …` lines
 * below, it writes a ref while rendering: the same deps give the same number, however often a
 * render runs.
 */
function useDepsVersion(deps: readonly unknown[]): number {
  const seen = useRef({ deps, version: 0 });
  const prev = seen.current.deps;
  if (deps.length !== prev.length || deps.some((d, i) => !Object.is(d, prev[i]))) seen.current = { deps, version: seen.current.version + 1 };
  return seen.current.version;
}

export interface Loaded<T> {
  data: T | undefined;
  error: string | null;
  loading: boolean;
  reload: () => void;
  set: (update: (prev: T | undefined) => T | undefined) => void;
}

/**
 * Loads once per change of `deps`, and again on reload() (user action or a live event — never on
 * a timer). A reload keeps showing the previous data while it runs; answers arriving out of order
 * are dropped.
 */
export function useLoad<T>(load: () => Promise<T>, deps: unknown[]): Loaded<T> {
  const [data, setData] = useState<T | undefined>(undefined);
  const [error, setError] = useState<string | null>(null);
  const [loading, setLoading] = useState(true);
  const seq = useRef(0);
  const loadRef = useRef(load);
  loadRef.current = load;

  const run = useCallback(() => {
    const mine = ++seq.current;
    setLoading(true);
    loadRef.current().then(
      (d) => {
        if (mine !== seq.current) return;
        setData(d);
        setError(null);
        setLoading(false);
      },
      (e: unknown) => {
        if (mine !== seq.current) return;
        setError(messageOf(e));
        setLoading(false);
      },
    );
  }, []);

  // deps are the caller's: what the load depends on (run() is the same function throughout)
  const depsVersion = useDepsVersion(deps);
  useEffect(() => {
    setData(undefined);
    run();
  }, [run, depsVersion]);

  return { data, error, loading, reload: run, set: setData };
}

/** The live event stream for one screen: `types` (and `application`) decide what it receives. */
export function useEvents(types: EventType[], application: string | undefined, onEvents: (events: LiveEvent[]) => void, onReconnect?: () => void): boolean {
  const [connected, setConnected] = useState(false);
  const handler = useRef(onEvents);
  handler.current = onEvents;
  const reconnect = useRef(onReconnect);
  reconnect.current = onReconnect;
  const key = types.join(',');
  useEffect(
    () =>
      openEventStream({
        types: key.split(',') as EventType[],
        application,
        onEvents: (e) => handler.current(e),
        onReconnect: () => reconnect.current?.(),
        onState: setConnected,
      }),
    [key, application],
  );
  return connected;
}

/** The time now, again every `ms` while `active` (a countdown on screen); no timer otherwise. */
export function useNow(active: boolean, ms = 1000): number {
  const [now, setNow] = useState(() => Date.now());
  useEffect(() => {
    if (!active) return;
    setNow(Date.now());
    const timer = window.setInterval(() => setNow(Date.now()), ms);
    return () => clearInterval(timer);
  }, [active, ms]);
  return now;
}

/** Calls `fn` once, `ms` after the last call: many events → one reload. */
export function useDebounced(fn: () => void, ms: number): () => void {
  const timer = useRef<number | undefined>(undefined);
  const latest = useRef(fn);
  latest.current = fn;
  useEffect(() => () => window.clearTimeout(timer.current), []);
  return useCallback(() => {
    window.clearTimeout(timer.current);
    timer.current = window.setTimeout(() => latest.current(), ms);
  }, [ms]);
}

/** An action's state: running, its error, and what it answered. */
export function useAction<A extends unknown[], R>(
  act: (...args: A) => Promise<R>,
): { run: (...args: A) => Promise<R | undefined>; busy: boolean; error: string | null; result: R | undefined; clear: () => void } {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const [result, setResult] = useState<R | undefined>(undefined);
  const actRef = useRef(act);
  actRef.current = act;
  const run = useCallback(async (...args: A) => {
    setBusy(true);
    setError(null);
    try {
      const r = await actRef.current(...args);
      setResult(r);
      return r;
    } catch (e) {
      setError(messageOf(e));
      return undefined;
    } finally {
      setBusy(false);
    }
  }, []);
  const clear = useCallback(() => {
    setError(null);
    setResult(undefined);
  }, []);
  return { run, busy, error, result, clear };
}

export interface CursorPage<T> {
  items: T[];
  nextCursor: string | null;
}

export interface CursorList<T> {
  items: T[] | null;
  error: string | null;
  hasMore: boolean;
  loadingMore: boolean;
  loadMore: () => Promise<void>;
  reload: () => void;
}

/**
 * A list the server pages by cursor. The first page loads once per change of `deps` (the list
 * and its error are emptied meanwhile) and again, keeping the list shown, on reload() or a change
 * of `version`; loadMore() appends the next page. Answers overtaken by a newer first page are
 * dropped.
 */
export function useCursorList<T>(fetchPage: (cursor?: string) => Promise<CursorPage<T>>, deps: unknown[], version?: unknown): CursorList<T> {
  const [items, setItems] = useState<T[] | null>(null);
  const [cursor, setCursor] = useState<string | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [loadingMore, setLoadingMore] = useState(false);
  const seq = useRef(0);
  const fetchRef = useRef(fetchPage);
  fetchRef.current = fetchPage;

  const reload = useCallback(() => {
    const mine = ++seq.current;
    fetchRef.current().then(
      (page) => {
        if (mine !== seq.current) return;
        setItems(page.items);
        setCursor(page.nextCursor);
        setError(null);
      },
      (e: unknown) => mine === seq.current && setError(messageOf(e)),
    );
  }, []);

  // deps are the caller's: what the list depends on (reload() is the same function throughout)
  const depsVersion = useDepsVersion(deps);
  useEffect(() => {
    setItems(null);
    setCursor(null);
    setError(null);
  }, [depsVersion]);
  useEffect(() => reload(), [reload, depsVersion, version]);

  const loadMore = async () => {
    if (!cursor || loadingMore) return;
    const mine = seq.current;
    setLoadingMore(true);
    try {
      const page = await fetchRef.current(cursor);
      if (mine !== seq.current) return;
      setItems((prev) => [...(prev ?? []), ...page.items]);
      setCursor(page.nextCursor);
    } catch (e) {
      if (mine === seq.current) setError(messageOf(e));
    } finally {
      setLoadingMore(false);
    }
  };

  return { items, error, hasMore: cursor !== null, loadingMore, loadMore, reload };
}

/**
 * A virtualised list: the rows [first, last) in view of the `scroller` (with `overscan` rows
 * either side), given the rows' fixed height; `onScroll` goes on the scroller.
 */
export function useVirtualRows<E extends HTMLElement>(count: number, rowHeight: number, overscan: number, initialHeight: number) {
  const scroller = useRef<E>(null);
  const [scrollTop, setScrollTop] = useState(0);
  const [height, setHeight] = useState(initialHeight);
  useLayoutEffect(() => {
    const el = scroller.current;
    if (!el) return;
    setHeight(el.clientHeight);
    const ro = new ResizeObserver(() => setHeight(el.clientHeight));
    ro.observe(el);
    return () => ro.disconnect();
  }, []);
  const first = Math.max(0, Math.floor(scrollTop / rowHeight) - overscan);
  const last = Math.min(count, Math.ceil((scrollTop + height) / rowHeight) + overscan);
  const onScroll = (e: UIEvent<E>) => setScrollTop(e.currentTarget.scrollTop);
  return { scroller, onScroll, first, last };
}
