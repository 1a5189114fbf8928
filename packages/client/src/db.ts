import { type CollectionDef, type SchemaDef, SynclineError } from '@syncline/core';
import { type CollectionApi, localOps } from './collection.ts';
import type { LocalRow, LocalWriteTx, Query } from './local-store.ts';
import type { SyncContext } from './sync/context.ts';

/** `client.db`: one typed {@link CollectionApi} per collection of the schema. */
export type Db<S extends SchemaDef> = { [K in keyof S['collections'] & string]: CollectionApi<S, K> };

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

export interface DbDeps {
  ctx: SyncContext;
  bus: ChangeBus;
  /** Resolves once the store is open; every call waits for it. */
  ready(): Promise<void>;
  /** A local write committed: wake the loop (debounced). */
  wrote(): void;
  /** Brings `status.pending` up to date. */
  refresh(): Promise<void>;
  onError(e: unknown): void;
}

/**
 * Runs `fn` as one local write tx (the `write:before-commit` failpoint inside it), then tells the
 * live queries and the loop. Returns after the commit; never waits for the network
 * (promise 1, ARCHITECTURE.md §1.1).
 */
export async function localWrite<T>(
  deps: DbDeps,
  collection: string,
  fn: (tx: LocalWriteTx) => Promise<T>,
): Promise<T> {
  await deps.ready();
  const { ctx } = deps;
  const out = await ctx.store.write(async (tx) => {
    const r = await fn(tx);
    await ctx.failpoint('write:before-commit');
    return r;
  });
  ctx.changed([collection]);
  deps.wrote();
  await deps.refresh();
  await ctx.failpoint('write:after-commit');
  return out;
}

function toQuery(q: object | undefined): Query {
  return (q ?? {}) as Query;
}

function collectionApi(deps: DbDeps, col: CollectionDef): CollectionApi<SchemaDef, string> {
  const { ctx } = deps;
  const name = col.name;
  const read = async <T>(fn: Parameters<typeof ctx.store.read<T>>[0]) => {
    await deps.ready();
    return ctx.store.read(fn);
  };
  const api = {
    insert: (data: Record<string, unknown>) =>
      localWrite(deps, name, (tx) => localOps.insert(tx, col, data, ctx.ids, ctx.clock.now())),
    update: (id: string, patch: Record<string, unknown>) =>
      localWrite(deps, name, (tx) => localOps.update(tx, col, id, patch, ctx.clock.now())),
    delete: (id: string) => localWrite(deps, name, (tx) => localOps.delete(tx, col, id, ctx.clock.now())),
    get: async (id: string) => (await read((tx) => tx.getRecord(name, id)))?.row ?? null,
    find: (q?: object) => read((tx) => tx.query(name, toQuery(q))),
    isPending: async (id: string) => ((await read((tx) => tx.getRecord(name, id)))?.pending ?? 0) > 0,
    watch: (q: object, cb: (rows: LocalRow[]) => void, onError?: (e: unknown) => void) =>
      watchQuery(deps, name, toQuery(q), cb, onError ?? deps.onError),
  };
  return api as unknown as CollectionApi<SchemaDef, string>;
}

/**
 * A live query: runs now, and again after every committed tx touching the collection; calls
 * `cb` only when the result differs from the last one delivered. Re-runs never overlap, and a
 * change during a run triggers one more run, so the last delivered result is never stale.
 */
function watchQuery(
  deps: DbDeps,
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

/**
 * `client.db`. A name that is not a collection of the schema (a typo, a schema older than the
 * code, plain JavaScript) throws a `SynclineError('invalid')` naming it and the known ones, not
 * "Cannot read properties of undefined".
 */
export function createDb<S extends SchemaDef>(deps: DbDeps): Db<S> {
  const db: Record<string, CollectionApi<SchemaDef, string>> = {};
  for (const col of Object.values(deps.ctx.schema.collections) as CollectionDef[])
    db[col.name] = collectionApi(deps, col);
  return new Proxy(db, {
    get(target, key, receiver) {
      // Symbols (inspection, iteration) and `then` (so `await client.db` stays a plain value) pass.
      if (typeof key !== 'string' || key === 'then' || Object.hasOwn(target, key))
        return Reflect.get(target, key, receiver);
      throw unknownCollection(key, Object.keys(target));
    },
  }) as unknown as Db<S>;
}

function unknownCollection(name: string, known: readonly string[]): SynclineError {
  return new SynclineError(
    'invalid',
    `client.db.${name}: "${name}" is not a collection of this client's schema. Its collections are ${known.map((k) => `"${k}"`).join(', ') || 'none'}; check the spelling, or add "${name}" to the schema passed to createClient.`,
    { details: { collection: name, collections: known } },
  );
}
