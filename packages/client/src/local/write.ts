import type { LocalWriteTx } from '../local-store.ts';
import type { SyncContext } from '../sync/context.ts';
import type { ChangeBus } from './live.ts';

/** What the local side of the client needs from it: the store, and whom to tell after a write. */
export interface LocalDeps {
  ctx: SyncContext;
  bus: ChangeBus;
  /** Resolves once the store is open; every call waits for it. */
  ready(): Promise<void>;
  /** A local write committed, leaving `pending` outbox entries: update the status, wake the loop (debounced). */
  wrote(pending: number): void;
  onError(e: unknown): void;
}

/**
 * Runs `fn` as one local write tx (the `write:before-commit` failpoint inside it), then tells the
 * live queries and the loop. Returns after the commit; never waits for the network
 * (promise 1, ARCHITECTURE.md §1.1). The outbox size for `status.pending` is read inside the same
 * tx, so it is exact and costs no second transaction.
 */
export async function localWrite<T>(
  deps: LocalDeps,
  collection: string,
  fn: (tx: LocalWriteTx) => Promise<T>,
): Promise<T> {
  await deps.ready();
  const { ctx } = deps;
  let pending = 0;
  const out = await ctx.store.write(async (tx) => {
    const r = await fn(tx);
    pending = await tx.outboxCount();
    await ctx.failpoint('write:before-commit');
    return r;
  });
  deps.bus.publish([collection]);
  deps.wrote(pending);
  await ctx.failpoint('write:after-commit');
  return out;
}
