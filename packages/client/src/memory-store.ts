import { type SchemaDef, SynclineError } from '@syncline/core';
import type {
  LocalReadTx,
  LocalRecord,
  LocalRow,
  LocalStore,
  LocalWriteTx,
  OpenResult,
  OutboxEntry,
  Query,
  StoredRejection,
} from './local-store.ts';
import { runQuery, validateQuery } from './row-query.ts';
import {
  compareIds,
  fingerprintChanges,
  oldestFirst,
  queryColumns,
  selectOutbox,
  withNewColumns,
} from './store-helpers.ts';

/**
 * The committed contents of a memory store. Keep a reference and pass it to a new
 * `createMemoryStore(disk)` to simulate closing and re-opening the same database (or a crash:
 * an uncommitted write never reaches the disk).
 */
export interface MemoryDisk {
  state: MemoryState;
}

interface MemoryState {
  records: Record<string, Record<string, LocalRecord>>;
  outbox: OutboxEntry[];
  nextKey: number;
  meta: Record<string, unknown>;
  rejections: Record<string, StoredRejection>;
  fingerprints: Record<string, string>;
}

/** A fresh, empty disk for {@link createMemoryStore}. */
export function createMemoryDisk(): MemoryDisk {
  return { state: { records: {}, outbox: [], nextKey: 1, meta: {}, rejections: {}, fingerprints: {} } };
}

/** Columns of `collection` (with metadata), or throws `invalid` like a SQL store would. */
function columnsOf(schema: SchemaDef | null, collection: string): string[] {
  const def =
    schema && Object.hasOwn(schema.collections, collection) ? schema.collections[collection] : undefined;
  if (!def) throw new SynclineError('invalid', `"${collection}" is not a collection of the opened schema.`);
  return queryColumns(def);
}

/** A stored row as the current schema sees it (a deep copy): columns added by a migration read as null. */
function visible(row: LocalRow | null, columns: string[]): LocalRow | null {
  return row === null ? null : structuredClone(withNewColumns(row, columns));
}

function readTx(s: MemoryState, schema: SchemaDef | null): LocalReadTx {
  return {
    async getRecord(collection, id) {
      const columns = columnsOf(schema, collection);
      const r = s.records[collection]?.[id];
      return r ? { ...structuredClone(r), row: visible(r.row, columns) } : null;
    },
    async getRecords(collection, ids) {
      const columns = columnsOf(schema, collection);
      const found = new Map<string, LocalRecord>();
      for (const id of ids) {
        const r = s.records[collection]?.[id];
        if (r) found.set(id, { ...structuredClone(r), row: visible(r.row, columns) });
      }
      return found;
    },
    async query(collection, q: Query) {
      const columns = columnsOf(schema, collection);
      validateQuery(collection, new Set(columns), q);
      const rows: LocalRow[] = [];
      for (const r of Object.values(s.records[collection] ?? {}))
        if (r.row !== null) rows.push(withNewColumns(r.row, columns));
      return structuredClone(runQuery(rows.sort(compareIds), q));
    },
    async outbox(opts = {}) {
      return structuredClone(selectOutbox(s.outbox, opts));
    },
    async outboxCount() {
      return s.outbox.length;
    },
    async getMeta<T>(key: string) {
      return structuredClone(s.meta[key]) as T | undefined;
    },
    async rejections() {
      return structuredClone(oldestFirst(Object.values(s.rejections)));
    },
  };
}

function writeTx(s: MemoryState, schema: SchemaDef | null): LocalWriteTx {
  const table = (c: string) => {
    s.records[c] ??= {};
    return s.records[c];
  };
  return {
    ...readTx(s, schema),
    async putRecord(collection, record) {
      table(collection)[record.id] = structuredClone(record);
    },
    async putRecords(collection, records) {
      for (const r of records) table(collection)[r.id] = structuredClone(r);
    },
    async deleteRecord(collection, id) {
      delete table(collection)[id];
    },
    async addOutbox(entry) {
      const key = s.nextKey++;
      s.outbox.push({ ...structuredClone(entry), key });
      return key;
    },
    async updateOutbox(entry) {
      const i = s.outbox.findIndex((e) => e.key === entry.key);
      if (i < 0) throw new Error(`outbox entry ${entry.key} does not exist`);
      s.outbox[i] = structuredClone(entry);
    },
    async removeOutbox(keys) {
      const drop = new Set(keys);
      s.outbox = s.outbox.filter((e) => !drop.has(e.key));
    },
    async setMeta(key, value) {
      s.meta[key] = structuredClone(value);
    },
    async deleteMeta(key) {
      delete s.meta[key];
    },
    async putRejection(rejection) {
      s.rejections[rejection.key] = structuredClone(rejection);
    },
    async removeRejection(key) {
      delete s.rejections[key];
    },
    async markAll(collection) {
      for (const r of Object.values(table(collection))) r.marked = true;
    },
    async sweepMarked(collection) {
      const t = table(collection);
      let n = 0;
      for (const [id, r] of Object.entries(t)) {
        if (r.marked && r.pending === 0) {
          delete t[id];
          n++;
        }
      }
      return n;
    },
  };
}

/**
 * An in-memory {@link LocalStore} for tests and ephemeral clients. Writes are serialised and
 * copy-on-write: a write works on a deep copy of the committed state, which replaces the
 * committed state only when `fn` resolves; if `fn` throws, the copy is dropped (rollback).
 * Reads see the committed state at the moment they start, never a half-done write.
 *
 * @example
 * const disk = createMemoryDisk();
 * const store = createMemoryStore(disk);
 * await store.open(schema);
 * // later, "re-open" the same data after a simulated crash:
 * const again = createMemoryStore(disk);
 */
export function createMemoryStore(
  disk: MemoryDisk = createMemoryDisk(),
): LocalStore & { readonly disk: MemoryDisk } {
  let queue: Promise<unknown> = Promise.resolve();
  let closed = false;
  let schema: SchemaDef | null = null;
  const check = () => {
    if (closed) throw new SynclineError('closed', 'The local database is closed.');
  };
  // Invariant: at most one write runs at a time; `disk.state` is only ever replaced, never mutated.
  const serial = <T>(fn: () => Promise<T>): Promise<T> => {
    const run = queue.then(fn, fn);
    queue = run.catch(() => undefined);
    return run;
  };
  return {
    disk,
    async open(opened: SchemaDef): Promise<OpenResult> {
      check();
      return serial(async () => {
        const next = structuredClone(disk.state);
        const result = fingerprintChanges(opened, (name) => next.fingerprints[name]);
        for (const c of Object.values(opened.collections)) {
          next.fingerprints[c.name] = c.fingerprint;
          next.records[c.name] ??= {};
        }
        disk.state = next;
        schema = opened;
        return result;
      });
    },
    async read(fn) {
      check();
      return fn(readTx(disk.state, schema));
    },
    async write(fn) {
      check();
      return serial(async () => {
        const draft = structuredClone(disk.state);
        const out = await fn(writeTx(draft, schema));
        disk.state = draft;
        return out;
      });
    },
    async close() {
      closed = true;
      await queue;
    },
  };
}
