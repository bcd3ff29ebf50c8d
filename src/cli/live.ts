// The live-events stream (GET /api/v1/events, server-sent events) as a wake-up call for --wait:
// each change makes the waiter read the state at once instead of at its next poll. The state
// itself always comes from the API's reads, so a dropped stream or a missed event costs only
// latency; without the stream (an older server, a proxy that buffers) polling goes on alone.
import type { Session } from './session';

export interface LiveEvent {
  type: string;
  data: Record<string, unknown>;
}

export interface EventFeed {
  /** the stream answered 200 and is open */
  readonly connected: boolean;
  close(): void;
}

export function followEvents(session: Session, query: { application?: string; types?: string }, onEvent: (e: LiveEvent) => void): EventFeed {
  const controller = new AbortController();
  const feed = { connected: false, close: () => controller.abort() };
  void (async () => {
    const { data, response } = await session.api.GET('/api/v1/events', { params: { query }, parseAs: 'stream', signal: controller.signal });
    if (!response.ok || !data) return;
    feed.connected = true;
    const reader = data.pipeThrough(new TextDecoderStream()).getReader();
    let buffer = '';
    for (;;) {
      const { value, done } = await reader.read();
      if (done) break;
      buffer += value;
      let end: number;
      while ((end = buffer.indexOf('\n\n')) >= 0) {
        const block = buffer.slice(0, end);
        buffer = buffer.slice(end + 2);
        const event = parseBlock(block);
        if (event) onEvent(event);
      }
    }
  })()
    .catch(() => undefined) // closed, aborted or failed: polling carries on
    .finally(() => (feed.connected = false));
  return feed;
}

/** One SSE block: `event: <type>` and `data: <JSON>` lines; comments (`: keepalive`) give nothing. */
function parseBlock(block: string): LiveEvent | undefined {
  let type = 'message';
  const data: string[] = [];
  for (const line of block.split('\n')) {
    if (line.startsWith('event:')) type = line.slice(6).trim();
    else if (line.startsWith('data:')) data.push(line.slice(5).replace(/^ /, ''));
  }
  if (!data.length) return undefined;
  try {
    return { type, data: JSON.parse(data.join('\n')) };
  } catch {
    return undefined;
  }
}

/** Sleeps until the next poll is due, or shortly after an event (events in a burst coalesce). */
export class Wake {
  private pending?: () => void;
  private missed = false;

  constructor(private readonly debounceMs = 150) {}

  kick(): void {
    if (this.pending) this.pending();
    else this.missed = true;
  }

  wait(ms: number): Promise<void> {
    return new Promise((done) => {
      let timer: NodeJS.Timeout;
      const finish = () => {
        clearTimeout(timer);
        this.pending = undefined;
        done();
      };
      timer = setTimeout(finish, this.missed ? this.debounceMs : ms);
      this.missed = false;
      this.pending = () => {
        clearTimeout(timer);
        timer = setTimeout(finish, this.debounceMs);
        this.pending = () => undefined; // the first event of a burst sets the time
      };
    });
  }
}
