/**
 * A FIFO async mutex. Stores over one synchronous connection (better-sqlite3) run every
 * transaction under it: a transaction's callback awaits (rules, resolve hooks, the engine's own
 * steps), and two interleaved transactions would otherwise share one BEGIN…COMMIT.
 *
 * @example
 * const mutex = new Mutex();
 * await mutex.run(async () => { db.exec('BEGIN'); await work(); db.exec('COMMIT'); });
 */
export class Mutex {
  private tail: Promise<void> = Promise.resolve();

  /** Runs fn once every earlier holder has settled; settles with fn's outcome (errors go to this caller only). */
  run<T>(fn: () => Promise<T>): Promise<T> {
    const result = this.tail.then(fn);
    this.tail = result.then(
      () => undefined,
      () => undefined,
    );
    return result;
  }
}
