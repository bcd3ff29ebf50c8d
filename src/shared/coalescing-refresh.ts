// "One in flight, at most one queued" per key. A trigger that arrives while a run is in flight
// cannot be served by that run (it may have read the remote before the push being announced),
// so it is served by the next run; every trigger arriving meanwhile shares that same next run.
// A burst of N triggers therefore costs at most two runs, and every caller's promise settles
// with a run that started after the caller asked.

interface Slot<T> {
  running?: Promise<T>;
  queued?: Promise<T>;
}

export class CoalescingRefresh<T> {
  private readonly slots = new Map<string, Slot<T>>();

  constructor(private readonly work: (key: string) => Promise<T>) {}

  trigger(key: string): Promise<T> {
    const slot = this.slots.get(key) ?? {};
    this.slots.set(key, slot);
    if (!slot.running) return this.start(key, slot);
    slot.queued ??= slot.running.then(
      () => this.start(key, slot),
      () => this.start(key, slot),
    );
    return slot.queued;
  }

  /** whether a run for `key` is in flight or queued */
  busy(key: string): boolean {
    const slot = this.slots.get(key);
    return !!(slot?.running || slot?.queued);
  }

  private start(key: string, slot: Slot<T>): Promise<T> {
    slot.queued = undefined;
    const run = Promise.resolve().then(() => this.work(key));
    slot.running = run;
    const done = () => {
      // with a run queued, `running` stays set until the queued run replaces it, so a trigger
      // landing in between joins the queue instead of starting a third run
      if (slot.running !== run || slot.queued) return;
      slot.running = undefined;
      this.slots.delete(key);
    };
    run.then(done, done);
    return run;
  }
}
