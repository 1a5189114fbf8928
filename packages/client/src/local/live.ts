import type { LocalRow, LocalStore, Query } from '../local-store.ts';

/** Per-collection listeners of committed changes (live queries). */
export class ChangeBus {
  private readonly subs = new Map<string, Set<() => void>>();
  subscribe(collection: string, cb: () => void): () => void {
    let set = this.subs.get(collection);
    if (!set) {
      set = new Set();
      this.subs.set(collection, set);
    }
    set.add(cb);
    return () => set.delete(cb);
  }
  publish(collections: Iterable<string>): void {
    for (const c of collections) for (const cb of [...(this.subs.get(c) ?? [])]) cb();
  }
}

/** What a live query reads from: the store once it is open, and the bus of committed changes. */
export interface LiveSource {
  ctx: { store: LocalStore };
  bus: ChangeBus;
  /** Resolves once the store is open. */
  ready(): Promise<void>;
}

/**
 * A live query: runs now, and again after every committed tx touching the collection; calls
 * `cb` only when the result differs from the last one delivered. Re-runs never overlap, and a
 * change during a run triggers one more run, so the last delivered result is never stale.
 */
export function watchQuery(
  deps: LiveSource,
  collection: string,
  q: Query,
  cb: (rows: LocalRow[]) => void,
  onError: (e: unknown) => void,
): () => void {
  let last: string | undefined;
  let dirty = true;
  let running = false;
  let closed = false;
  const run = async () => {
    if (running) return;
    running = true;
    try {
      await deps.ready();
      while (dirty && !closed) {
        dirty = false;
        const rows = await deps.ctx.store.read((tx) => tx.query(collection, q));
        const key = JSON.stringify(rows);
        if (key !== last && !closed) {
          last = key;
          cb(rows);
        }
      }
    } catch (e) {
      if (!closed) onError(e);
    } finally {
      running = false;
    }
  };
  const unsubscribe = deps.bus.subscribe(collection, () => {
    dirty = true;
    void run();
  });
  void run();
  return () => {
    closed = true;
    unsubscribe();
  };
}
