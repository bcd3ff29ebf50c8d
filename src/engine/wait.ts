// The engine's one polling loop (CRDs becoming Established, replaced objects disappearing). It
// sleeps on the injected Clock so that tests drive time instead of waiting for it.
import type { Clock } from '../shared/clock';

/**
 * Calls `check` until it answers true, every `intervalMs`; false once `deadline` (a `clock.now()`
 * value) has passed or `signal` aborted. `check` runs at least once.
 */
export async function poll(clock: Clock, deadline: number, intervalMs: number, check: () => Promise<boolean>, signal?: AbortSignal): Promise<boolean> {
  for (;;) {
    if (await check()) return true;
    if (clock.now() > deadline || signal?.aborted) return false;
    try {
      await clock.sleep(intervalMs, signal);
    } catch {
      return false; // sleep rejects only when the signal aborts
    }
  }
}
