/**
 * `client.db`, the API shell over the local side (`local/`): each method waits for the store to
 * open, then runs one local step (`local/ops.ts`) in one write tx (`local/write.ts`) or reads.
 */

import {
  type CollectionDef,
  type InsertOf,
  type PatchOf,
  type RowOf,
  type SchemaDef,
  SynclineError,
} from '@syncline/core';
import { batchOps } from './local/batch.ts';
import { watchQuery } from './local/live.ts';
import { localOps } from './local/ops.ts';
import { type LocalDeps, localWrite } from './local/write.ts';
import type { Comparison, LocalRow, Query } from './local-store.ts';

/** `client.db`: one typed {@link CollectionApi} per collection of the schema. */
export type Db<S extends SchemaDef> = { [K in keyof S['collections'] & string]: CollectionApi<S, K> };

/** A visible row of collection K: a pending insert has `version: 0` and `updatedAt: null`. */
export type Row<S extends SchemaDef, K extends keyof S['collections']> = Omit<RowOf<S, K>, 'updatedAt'> & {
  updatedAt: string | null;
};

/** A typed query: equality or comparisons per column, order, limit. */
export interface FindQuery<R> {
  where?: { [C in keyof R]?: R[C] | Comparison };
  orderBy?: ReadonlyArray<readonly [column: keyof R & string, direction: 'asc' | 'desc']>;
  limit?: number;
  offset?: number;
}

/**
 * One collection of `client.db`. Writes are local and return after the local commit (with the
 * outbox entry, in the same tx); they never wait for the network.
 *
 * @example
 * const task = await client.db.tasks.insert({ listId: 'l1', title: 'Milk', done: false });
 * await client.db.tasks.update(task.id, { done: true });
 * const open = await client.db.tasks.find({ where: { done: false }, orderBy: [['title', 'asc']] });
 * const stop = client.db.tasks.watch({ where: { listId: 'l1' } }, (rows) => render(rows));
 */
export interface CollectionApi<S extends SchemaDef, K extends keyof S['collections']> {
  insert(data: InsertOf<S, K>): Promise<Row<S, K>>;
  update(id: string, patch: PatchOf<S, K>): Promise<Row<S, K>>;
  delete(id: string): Promise<void>;
  /**
   * Inserts every row in ONE local transaction with their outbox entries: all of them or, when
   * one row is refused (invalid, an id already on the device or twice in `rows`), none, with a
   * `SynclineError` naming the row's index (`details.index`). Live queries are told once; the
   * push sends the rows in as few batches as the server's limits allow. Not a callback
   * transaction: the rows are plain data, so IndexedDB cannot commit halfway.
   *
   * @example
   * const tasks = await client.db.tasks.insertMany([
   *   { listId: 'l1', title: 'Milk', done: false },
   *   { listId: 'l1', title: 'Eggs', done: false },
   * ]); // the new rows, in the order given
   */
  insertMany(rows: ReadonlyArray<InsertOf<S, K>>): Promise<Array<Row<S, K>>>;
  /**
   * Applies every change in order in ONE local transaction (an id may appear more than once),
   * all or none like {@link CollectionApi.insertMany}: an invalid patch or an id not on the
   * device refuses the whole call, naming the change's index. Answers the rows after each
   * change, in the order given.
   *
   * @example
   * await client.db.tasks.updateMany(open.map((t) => ({ id: t.id, patch: { done: true } })));
   */
  updateMany(changes: ReadonlyArray<{ id: string; patch: PatchOf<S, K> }>): Promise<Array<Row<S, K>>>;
  /**
   * Deletes every record of `ids` in ONE local transaction, all or none: an id not on the device
   * (or given twice) refuses the whole call, naming its index.
   *
   * @example
   * await client.db.tasks.deleteMany(done.map((t) => t.id));
   */
  deleteMany(ids: readonly string[]): Promise<void>;
  get(id: string): Promise<Row<S, K> | null>;
  find(query?: FindQuery<Row<S, K>>): Promise<Array<Row<S, K>>>;
  /**
   * Calls `cb` with the result now and whenever a committed change alters it (never twice with
   * an equal result); returns unsubscribe. A run that fails (an unknown column, a closed store)
   * goes to `onError`, or to the client's `error` event without one.
   */
  watch(
    query: FindQuery<Row<S, K>>,
    cb: (rows: Array<Row<S, K>>) => void,
    onError?: (error: unknown) => void,
  ): () => void;
  /** Whether the record has local changes not yet acknowledged by the server. */
  isPending(id: string): Promise<boolean>;
}

function toQuery(q: object | undefined): Query {
  return (q ?? {}) as Query;
}

/** A batch write: an empty array writes nothing (no tx, no notification) and answers `[]`. */
async function localBatch<T>(
  deps: LocalDeps,
  collection: string,
  items: unknown,
  fn: Parameters<typeof localWrite<T[]>>[2],
): Promise<T[]> {
  if (Array.isArray(items) && items.length === 0) {
    await deps.ready();
    return [];
  }
  return localWrite(deps, collection, fn);
}

function collectionApi(deps: LocalDeps, col: CollectionDef): CollectionApi<SchemaDef, string> {
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
    insertMany: (rows: unknown) =>
      localBatch(deps, name, rows, (tx) => batchOps.insertMany(tx, col, rows, ctx.ids, ctx.clock.now())),
    updateMany: (changes: unknown) =>
      localBatch(deps, name, changes, (tx) => batchOps.updateMany(tx, col, changes, ctx.clock.now())),
    deleteMany: async (ids: unknown) => {
      await localBatch(deps, name, ids, async (tx) => {
        await batchOps.deleteMany(tx, col, ids, ctx.clock.now());
        return [];
      });
    },
    get: async (id: string) => (await read((tx) => tx.getRecord(name, id)))?.row ?? null,
    find: (q?: object) => read((tx) => tx.query(name, toQuery(q))),
    isPending: async (id: string) => ((await read((tx) => tx.getRecord(name, id)))?.pending ?? 0) > 0,
    watch: (q: object, cb: (rows: LocalRow[]) => void, onError?: (e: unknown) => void) =>
      watchQuery(deps, name, toQuery(q), cb, onError ?? deps.onError),
  };
  return api as unknown as CollectionApi<SchemaDef, string>;
}

/**
 * `client.db`. A name that is not a collection of the schema (a typo, a schema older than the
 * code, plain JavaScript) throws a `SynclineError('invalid')` naming it and the known ones, not
 * "Cannot read properties of undefined".
 */
export function createDb<S extends SchemaDef>(deps: LocalDeps): Db<S> {
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
