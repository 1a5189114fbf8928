/** The readiness check behind `GET /readyz`: the store answers, within a bound, and can serve. */
import type { ServerStore } from '../stores/types.ts';

/**
 * Resolves when the store can serve: its own `check()` (reachable and migrated) when it has one,
 * else a `SELECT 1`. Rejects with the store's reason, or after `timeoutMs` without an answer.
 */
export async function checkReady(store: ServerStore, timeoutMs: number): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    // The timer may fire in the same loop turn as the answer's I/O when the process was starved
    // of CPU: one more turn (setImmediate runs after pending I/O) lets an answer that did arrive
    // win, so "did not answer" is said only of a database that did not.
    timer = setTimeout(
      () => setImmediate(() => reject(new Error(`the database did not answer within ${timeoutMs} ms`))),
      timeoutMs,
    );
  });
  const probe = store.check ? store.check() : store.read((db) => db.all('SELECT 1 AS ok'));
  try {
    await Promise.race([probe, timeout]);
  } finally {
    clearTimeout(timer);
  }
}
