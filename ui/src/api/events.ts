// GET /api/v1/events: server-sent events, read with fetch (EventSource cannot send the
// Authorization header). One stream per screen, filtered to what the screen shows; after a drop it
// reconnects with backoff and tells the screen, which reloads once (events may have been missed).
import { authHeader } from './client';

export type LiveEvent =
  | { type: 'target'; application: string; cluster: string; namespace: string; sync?: string; health?: string; revision?: string | null; message?: string | null }
  | { type: 'run'; application: string; cluster: string; namespace: string; id: number; phase: string; trigger: string; revision: string | null }
  | { type: 'application'; application: string; change: 'created' | 'updated' | 'deleted' }
  | { type: 'cluster'; cluster: string; phase?: string; change?: string }
  | { type: 'rollout'; application: string; id: number; state: string; revision: string }
  | { type: 'delivery'; channel: string; id: string; state: string; application: string | null };

export type EventType = LiveEvent['type'];

export interface StreamOptions {
  types: EventType[];
  application?: string;
  onEvents: (events: LiveEvent[]) => void;
  /** the stream was re-established after a drop: reload what is shown */
  onReconnect?: () => void;
  onState?: (connected: boolean) => void;
}

/** Parses `event:`/`data:` blocks out of a text stream; keeps an incomplete block for the next chunk. */
export class EventParser {
  private buffer = '';

  push(chunk: string): LiveEvent[] {
    this.buffer += chunk.replace(/\r\n?/g, '\n');
    const out: LiveEvent[] = [];
    let end: number;
    while ((end = this.buffer.indexOf('\n\n')) >= 0) {
      const block = this.buffer.slice(0, end);
      this.buffer = this.buffer.slice(end + 2);
      let type = '';
      const data: string[] = [];
      for (const line of block.split('\n')) {
        if (line.startsWith(':')) continue;
        const colon = line.indexOf(':');
        const field = colon < 0 ? line : line.slice(0, colon);
        const value = colon < 0 ? '' : line.slice(colon + 1).replace(/^ /, '');
        if (field === 'event') type = value;
        else if (field === 'data') data.push(value);
      }
      if (!type || !data.length) continue;
      try {
        const parsed = JSON.parse(data.join('\n'));
        out.push({ ...parsed, type });
      } catch {
        // not JSON: not one of ours
      }
    }
    return out;
  }
}

/**
 * Opens the stream and keeps it open until the returned function is called. Events that arrive
 * together are handed over once per animation frame, so a burst re-renders once.
 */
export function openEventStream(opts: StreamOptions): () => void {
  let stopped = false;
  let controller: AbortController | null = null;
  let retryTimer: number | undefined;
  let attempt = 0;
  let everConnected = false;
  let pending: LiveEvent[] = [];
  let frame: number | undefined;

  const flush = () => {
    frame = undefined;
    const batch = pending;
    pending = [];
    if (batch.length && !stopped) opts.onEvents(batch);
  };

  const connect = async () => {
    controller = new AbortController();
    const query = new URLSearchParams({ types: opts.types.join(',') });
    if (opts.application) query.set('application', opts.application);
    try {
      const res = await fetch(`/api/v1/events?${query}`, { headers: { ...authHeader(), accept: 'text/event-stream' }, signal: controller.signal, cache: 'no-store' });
      // a refused token ends the session (the API client's 401 handling); nothing to retry
      if (res.status === 401) return void opts.onState?.(false);
      if (!res.ok || !res.body) throw new Error(`events: ${res.status}`);
      opts.onState?.(true);
      if (everConnected) opts.onReconnect?.();
      everConnected = true;
      attempt = 0;
      const reader = res.body.pipeThrough(new TextDecoderStream()).getReader();
      const parser = new EventParser();
      for (;;) {
        const { value, done } = await reader.read();
        if (done) break;
        const events = parser.push(value);
        if (events.length) {
          pending.push(...events);
          frame ??= requestAnimationFrame(flush);
        }
      }
    } catch {
      // dropped or refused: try again below
    }
    opts.onState?.(false);
    if (stopped) return;
    attempt++;
    const delay = Math.min(30_000, 500 * 2 ** Math.min(attempt, 6)) * (0.5 + Math.random() / 2);
    // void: connect() catches the stream's failures itself and schedules the next attempt
    retryTimer = window.setTimeout(() => void connect(), delay);
  };

  void connect();
  return () => {
    stopped = true;
    if (retryTimer) clearTimeout(retryTimer);
    if (frame) cancelAnimationFrame(frame);
    controller?.abort();
  };
}
