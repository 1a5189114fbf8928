/**
 * A FIFO async mutex. better-sqlite3 is synchronous, but a write transaction's callback awaits
 * (rules, resolve hooks); the mutex keeps every other use of the one connection out meanwhile.
 */
export class Mutex {
  private tail: Promise<void> = Promise.resolve();

  /** Runs fn once every earlier holder has finished; errors propagate to the caller only. */
  run<T>(fn: () => Promise<T>): Promise<T> {
    const result = this.tail.then(fn);
    this.tail = result.then(
      () => undefined,
      () => undefined,
    );
    return result;
  }
}
