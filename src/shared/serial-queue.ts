/**
 * Runs tasks one at a time, in call order; a failed task does not stop the ones after it.
 * The one primitive behind every "one at a time" in Flotilla: the SQLite write queue and each
 * git mirror's fetch lock.
 */
export class SerialQueue {
  private tail: Promise<unknown> = Promise.resolve();

  run<T>(task: () => Promise<T>): Promise<T> {
    const result = this.tail.then(task, task);
    this.tail = result.catch(() => undefined);
    return result;
  }

  /** settles once every task queued so far has finished */
  async idle(): Promise<void> {
    await this.tail;
  }
}
