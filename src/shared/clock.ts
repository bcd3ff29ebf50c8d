// The one clock: what time it is, and "call me back in N ms". Every timer in Flotilla goes
// through a Clock, so a test can swap in a ManualClock and drive time instead of sleeping.
// Plain TypeScript; the abstract class doubles as the Nest injection token.

export interface Timer {
  cancel(): void;
  /** the Node timer behind it, when there is one (so a registry can list it) */
  readonly handle?: ReturnType<typeof setTimeout>;
}

export abstract class Clock {
  /** milliseconds since the epoch */
  abstract now(): number;

  /** Calls `fn` once, `ms` from now. The timer never keeps the process alive. */
  abstract after(ms: number, fn: () => void): Timer;

  date(): Date {
    return new Date(this.now());
  }

  /** Resolves after `ms`; rejects with the signal's reason when it aborts first. */
  sleep(ms: number, signal?: AbortSignal): Promise<void> {
    return new Promise((resolve, reject) => {
      // the signal's reason as it is: an Error unless the aborter chose another value (abort() takes any)
      // eslint-disable-next-line @typescript-eslint/prefer-promise-reject-errors -- the documented contract: rejects with the signal's reason itself
      if (signal?.aborted) return reject(signal.reason);
      const onAbort = () => {
        timer.cancel();
        // eslint-disable-next-line @typescript-eslint/prefer-promise-reject-errors -- as above: the signal's reason itself
        reject(signal!.reason);
      };
      const timer = this.after(ms, () => {
        signal?.removeEventListener('abort', onAbort);
        resolve();
      });
      signal?.addEventListener('abort', onAbort, { once: true });
    });
  }
}

/** Wall-clock time and Node's timers. */
export class SystemClock extends Clock {
  now(): number {
    return Date.now();
  }

  after(ms: number, fn: () => void): Timer {
    const handle = setTimeout(fn, Math.max(0, ms));
    handle.unref();
    return { handle, cancel: () => clearTimeout(handle) };
  }
}

export const systemClock: Clock = new SystemClock();

interface Pending {
  at: number;
  seq: number;
  fn: () => void;
}

/**
 * Time that moves only when a test says so. `advance(ms)` fires every timer due within that span
 * in order, letting the promise chains each one starts settle before the next fires.
 */
export class ManualClock extends Clock {
  private current: number;
  private seq = 0;
  private readonly pending = new Set<Pending>();

  constructor(start: number | Date = Date.UTC(2026, 0, 1)) {
    super();
    this.current = typeof start === 'number' ? start : start.getTime();
  }

  now(): number {
    return this.current;
  }

  after(ms: number, fn: () => void): Timer {
    const entry: Pending = { at: this.current + Math.max(0, ms), seq: this.seq++, fn };
    this.pending.add(entry);
    return { cancel: () => this.pending.delete(entry) };
  }

  /** how many timers are armed */
  get timers(): number {
    return this.pending.size;
  }

  async advance(ms: number): Promise<void> {
    const end = this.current + ms;
    for (;;) {
      await settle();
      const next = [...this.pending].filter((p) => p.at <= end).sort((a, b) => a.at - b.at || a.seq - b.seq)[0];
      if (!next) break;
      this.pending.delete(next);
      this.current = next.at;
      next.fn();
    }
    this.current = end;
    await settle();
  }
}

/** Lets already-resolved promise chains (and the I/O callbacks they are waiting on) run. */
async function settle(): Promise<void> {
  for (let i = 0; i < 5; i++) await new Promise<void>((r) => setImmediate(r));
}
