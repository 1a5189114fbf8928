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
  let last: RowsSnapshot | undefined;
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
        if ((last === undefined || !sameRows(last, rows)) && !closed) {
          last = snapshotRows(rows);
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

/** A json column's value in a snapshot: its text when delivered (the app may change the object). */
class JsonText {
  constructor(readonly text: string) {}
}

/** A delivered result as it was: a copy of every row, object values as their JSON text. */
export type RowsSnapshot = ReadonlyArray<Readonly<Record<string, unknown>>>;

/** The snapshot of `rows`, immune to the app changing the rows it was handed. */
export function snapshotRows(rows: readonly LocalRow[]): RowsSnapshot {
  return rows.map((row) => {
    const copy: Record<string, unknown> = {};
    for (const k of Object.keys(row)) {
      const v = row[k];
      copy[k] = typeof v === 'object' && v !== null ? new JsonText(JSON.stringify(v)) : v;
    }
    return copy;
  });
}

/**
 * Whether `rows` holds the same rows as the snapshot, in the same order, with the same values:
 * what their JSON texts would say, without writing the result out on every re-run (an insert or
 * a delete is seen at the length). Only a false "different" is possible (`NaN`, `undefined`),
 * never a false "same".
 */
export function sameRows(last: RowsSnapshot, rows: readonly LocalRow[]): boolean {
  if (last.length !== rows.length) return false;
  for (let i = 0; i < rows.length; i++) {
    const x = last[i]!;
    const y = rows[i]!;
    const keys = Object.keys(y);
    if (Object.keys(x).length !== keys.length) return false;
    for (const k of keys) {
      if (!Object.hasOwn(x, k)) return false;
      const u = x[k];
      const v = y[k];
      if (typeof v === 'object' && v !== null) {
        if (!(u instanceof JsonText) || u.text !== JSON.stringify(v)) return false;
      } else if (u !== v) return false;
    }
  }
  return true;
}
