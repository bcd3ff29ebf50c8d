import { useCallback, useEffect, useRef, useState } from 'react';
import { type EventType, type LiveEvent, openEventStream } from './api/events';

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
        setError(e instanceof Error ? e.message : String(e));
        setLoading(false);
      },
    );
  }, []);

  // deps are the caller's: what the load depends on
  useEffect(() => {
    setData(undefined);
    run();
  }, deps);

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
export function useAction<A extends unknown[], R>(act: (...args: A) => Promise<R>): { run: (...args: A) => Promise<R | undefined>; busy: boolean; error: string | null; result: R | undefined; clear: () => void } {
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
      setError(e instanceof Error ? e.message : String(e));
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
