import type { LocalStore, OpenResult } from '@syncline/client';
import { fingerprintChanges, queryColumns } from '@syncline/client/store';
import { type SchemaDef, SynclineError } from '@syncline/core';
import {
  browserIndexedDb,
  call,
  committed,
  type IndexedDbGlobals,
  openDatabase,
  storageError,
} from './idb.ts';
import { ALL_STORES, OUTBOX_BY_RECORD, readTx, STORES, type TxContext, writeTx } from './tx.ts';

/**
 * The IndexedDB version of the store's object stores. Collections live inside the stores (keyed
 * `[collection, id]`), so a schema change never needs a version upgrade — only a change to this
 * layout does.
 */
const LAYOUT_VERSION = 1;

/** Options of {@link createIndexedDbStore}. */
export interface IndexedDbStoreOptions {
  /** The database name: one per app and user, e.g. `syncline:todo:user-42`. */
  name: string;
  /** IndexedDB to use; the browser's by default. Node tests pass fake-indexeddb. */
  idb?: IndexedDbGlobals;
  /**
   * Durability of write transactions. Default `strict`: every write() may carry an outbox entry,
   * and a write the app was told is saved must survive a browser or OS crash (ARCHITECTURE.md §1.1).
   * `relaxed` trades that for speed (data may be lost on power failure, not on a tab crash).
   */
  durability?: 'strict' | 'relaxed';
  /**
   * Ask the browser to keep this site's storage under pressure (`navigator.storage.persist()`).
   * Default true: otherwise the browser may evict the database, outbox included, when the disk
   * fills up.
   */
  persist?: boolean;
}

/** A {@link LocalStore} on IndexedDB, plus what only a browser store can tell. */
export interface IndexedDbStore extends LocalStore {
  /**
   * Whether the browser granted persistent storage: true, false, or null when the runtime has no
   * Storage API (Node, old browsers) or persistence was not requested.
   */
  persisted(): Promise<boolean | null>;
}

function createLayout(db: IDBDatabase): void {
  db.createObjectStore(STORES.records);
  db.createObjectStore(STORES.outbox, { keyPath: 'key', autoIncrement: true }).createIndex(OUTBOX_BY_RECORD, [
    'collection',
    'id',
  ]);
  db.createObjectStore(STORES.meta);
  db.createObjectStore(STORES.rejections, { keyPath: 'key' });
  db.createObjectStore(STORES.schema);
}

function requestPersistence(): Promise<boolean | null> {
  const storage = (globalThis as { navigator?: { storage?: StorageManager } }).navigator?.storage;
  if (!storage?.persist) return Promise.resolve(null);
  // A refusal or an error leaves storage "best effort"; the store still works, so never throw.
  return storage
    .persisted()
    .then((already) => already || storage.persist())
    .catch(() => false);
}

/**
 * Creates a LocalStore on IndexedDB. Every `write(fn)` is one readwrite transaction over all
 * object stores, so IndexedDB itself serialises writes and orders reads after earlier writes;
 * `read(fn)` is one readonly transaction. Inside `fn`, await only the transaction's methods:
 * IndexedDB commits a transaction as soon as it has no pending request at the end of a task.
 *
 * A full disk or exhausted quota rejects the write with `SynclineError('quota_exceeded')` and
 * commits nothing of it.
 *
 * @example
 * const store = createIndexedDbStore({ name: 'syncline:todo' });
 * const client = createClient({ schema, store, network: browserNetwork(), url: '/sync' });
 */
export function createIndexedDbStore(options: IndexedDbStoreOptions): IndexedDbStore {
  const durability = options.durability ?? 'strict';
  let globals: IndexedDbGlobals | undefined = options.idb;
  let db: IDBDatabase | undefined;
  let connecting: Promise<IDBDatabase> | undefined;
  let ctx: TxContext | undefined;
  let closed = false;
  let persistence: Promise<boolean | null> = Promise.resolve(null);
  const inflight = new Set<Promise<unknown>>();

  const closedError = () =>
    new SynclineError(
      'closed',
      `The local database "${options.name}" is closed (close() was called, or another tab deleted or upgraded it). Create a new store to use it again.`,
    );

  function usable(): { db: IDBDatabase; ctx: TxContext } {
    if (closed) throw closedError();
    if (!db || !ctx)
      throw new SynclineError(
        'storage',
        'The IndexedDB store is not open yet: await store.open(schema) first.',
      );
    return { db, ctx };
  }

  function track<T>(p: Promise<T>): Promise<T> {
    inflight.add(p);
    const forget = () => inflight.delete(p);
    p.then(forget, forget);
    return p;
  }

  function begin(mode: IDBTransactionMode): { tx: IDBTransaction; ctx: TxContext } {
    const open = usable();
    try {
      // Created synchronously in read()/write(), so IndexedDB orders it after every earlier call.
      const tx =
        mode === 'readwrite'
          ? open.db.transaction(ALL_STORES, mode, { durability })
          : open.db.transaction(ALL_STORES, mode);
      return { tx, ctx: open.ctx };
    } catch (cause) {
      if ((cause as { name?: unknown }).name === 'InvalidStateError') throw closedError();
      throw storageError(cause);
    }
  }

  async function run<T>(tx: IDBTransaction, fn: () => Promise<T>): Promise<T> {
    const done = committed(tx);
    // Observed below; this keeps an abort during fn from being reported as unhandled meanwhile.
    done.catch(() => undefined);
    let value: T;
    try {
      value = await fn();
    } catch (error) {
      try {
        tx.abort();
      } catch {
        // Already finished or aborted (e.g. a failed request aborted it): nothing was committed.
      }
      throw error;
    }
    try {
      // Commit now rather than at the end of the task; older engines lack commit().
      tx.commit?.();
    } catch {
      // Already committing.
    }
    await done;
    return value;
  }

  /** One transaction of `mode` running `fn`; a failure to begin it rejects (never throws). */
  function transact<T>(mode: IDBTransactionMode, fn: (tx: IDBTransaction, ctx: TxContext) => Promise<T>) {
    try {
      const { tx, ctx: c } = begin(mode);
      return track(run(tx, () => fn(tx, c)));
    } catch (error) {
      return Promise.reject<T>(error);
    }
  }

  return {
    async open(schema: SchemaDef): Promise<OpenResult> {
      if (closed) throw closedError();
      globals ??= browserIndexedDb();
      // Concurrent open() calls share one connection.
      connecting ??= openDatabase(globals.indexedDB, options.name, LAYOUT_VERSION, createLayout).then(
        (opened) => {
          // Another tab wants to delete or upgrade the database: let it, and fail from now on.
          opened.onversionchange = () => {
            opened.close();
            closed = true;
          };
          opened.onclose = () => {
            closed = true;
          };
          if (options.persist ?? true) persistence = requestPersistence();
          return opened;
        },
      );
      const opened = await connecting;
      if (closed) {
        opened.close();
        throw closedError();
      }
      db = opened;
      const columns = new Map<string, Set<string>>();
      const dataColumns = new Map<string, string[]>();
      for (const c of Object.values(schema.collections)) {
        columns.set(c.name, new Set(queryColumns(c)));
        dataColumns.set(c.name, Object.keys(c.columns));
      }
      ctx = { keyRange: globals.IDBKeyRange, columns, dataColumns };
      const { tx } = begin('readwrite');
      return track(
        run(tx, async () => {
          const collections = Object.values(schema.collections);
          const stored = await Promise.all(
            collections.map((c) => call<string | undefined>(tx, STORES.schema, (s) => s.get(c.name))),
          );
          const known = new Map(collections.map((c, i) => [c.name, stored[i]]));
          const result = fingerprintChanges(schema, (name) => known.get(name));
          const save = new Set([...result.added, ...result.changed]);
          await Promise.all(
            collections
              .filter((c) => save.has(c.name))
              .map((c) => call(tx, STORES.schema, (s) => s.put(c.fingerprint, c.name))),
          );
          return result;
        }),
      );
    },

    read: (fn) => transact('readonly', (tx, c) => fn(readTx(tx, c))),

    write: (fn) => transact('readwrite', (tx, c) => fn(writeTx(tx, c))),

    async close() {
      if (closed && !db) return;
      closed = true;
      // Let running transactions finish (their callers are awaiting them), then close.
      await Promise.allSettled([...inflight]);
      db?.close();
      db = undefined;
    },

    persisted() {
      return persistence;
    },
  };
}
