/**
 * A FIFO async lock. The store runs every transaction under it because one SQLite connection
 * can hold only one transaction: two interleaved `write()`s would share one BEGIN…COMMIT.
 */
export class Mutex {
  private tail: Promise<void> = Promise.resolve();

  /** Runs `fn` once every earlier `lock` call has settled; settles with `fn`'s outcome. */
  lock<T>(fn: () => Promise<T>): Promise<T> {
    const run = this.tail.then(fn);
    this.tail = run.then(
      () => undefined,
      () => undefined,
    );
    return run;
  }
}
