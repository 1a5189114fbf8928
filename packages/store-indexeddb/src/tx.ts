import type {
  LocalReadTx,
  LocalRecord,
  LocalRow,
  LocalWriteTx,
  OutboxEntry,
  StoredRejection,
} from '@syncline/client';
import {
  compareIds,
  oldestFirst,
  runQuery,
  selectOutbox,
  validateQuery,
  withNewColumns,
} from '@syncline/client/store';
import { SynclineError } from '@syncline/core';
import { call, storageError } from './idb.ts';

/** Object store names. Records of every collection share one store, keyed `[collection, id]`. */
export const STORES = {
  records: 'records',
  outbox: 'outbox',
  meta: 'meta',
  rejections: 'rejections',
  schema: 'schema',
} as const;
export const ALL_STORES = Object.values(STORES);
/** Index of the outbox on `[collection, id]`. */
export const OUTBOX_BY_RECORD = 'byRecord';

/** What a transaction needs to know about the opened schema. */
export interface TxContext {
  keyRange: typeof IDBKeyRange;
  /** Collection → every queryable column (schema columns plus metadata). */
  columns: ReadonlyMap<string, ReadonlySet<string>>;
  /** Collection → schema columns, to fill columns added by a migration into older rows. */
  dataColumns: ReadonlyMap<string, readonly string[]>;
}

/** All keys `[collection, *]`: ids are strings, and every array sorts after every string. */
function collectionRange(ctx: TxContext, collection: string): IDBKeyRange {
  return ctx.keyRange.bound([collection, ''], [collection, []]);
}

/** A row written before a migration lacks the new columns; they read as null. */
function filled(ctx: TxContext, collection: string, row: LocalRow | null): LocalRow | null {
  const cols = ctx.dataColumns.get(collection);
  return row && cols ? withNewColumns(row, cols) : row;
}

function filledRecord(ctx: TxContext, collection: string, r: LocalRecord | undefined): LocalRecord | null {
  if (!r) return null;
  const row = filled(ctx, collection, r.row);
  return row === r.row ? r : { ...r, row };
}

/** Walks the cursor over `range`, calling `step` for each value; resolves after the last one. */
function eachCursor(
  tx: IDBTransaction,
  range: IDBKeyRange,
  step: (cursor: IDBCursorWithValue) => void,
): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    let req: IDBRequest<IDBCursorWithValue | null>;
    try {
      req = tx.objectStore(STORES.records).openCursor(range);
    } catch (cause) {
      reject(storageError(cause));
      return;
    }
    req.onerror = () => reject(storageError(req.error));
    req.onsuccess = () => {
      const cursor = req.result;
      if (!cursor) return resolve();
      step(cursor);
      cursor.continue();
    };
  });
}

/** The read half of a transaction; every method issues requests on `tx` only. */
export function readTx(tx: IDBTransaction, ctx: TxContext): LocalReadTx {
  return {
    async getRecord(collection, id) {
      const r = await call<LocalRecord | undefined>(tx, STORES.records, (s) => s.get([collection, id]));
      return filledRecord(ctx, collection, r);
    },
    async getRecords(collection, ids) {
      // Every get is issued before the first answer arrives: one round of requests, not one per id.
      const got = await Promise.all(
        ids.map((id) => call<LocalRecord | undefined>(tx, STORES.records, (s) => s.get([collection, id]))),
      );
      const found = new Map<string, LocalRecord>();
      for (const r of got) {
        const rec = filledRecord(ctx, collection, r);
        if (rec) found.set(rec.id, rec);
      }
      return found;
    },
    async query(collection, q) {
      validateQuery(collection, ctx.columns.get(collection), q);
      const all = await call<LocalRecord[]>(tx, STORES.records, (s) =>
        s.getAll(collectionRange(ctx, collection)),
      );
      const visible: LocalRow[] = [];
      for (const r of all) {
        const row = filled(ctx, collection, r.row);
        if (row) visible.push(row);
      }
      return runQuery(visible, q);
    },
    async outbox(opts = {}) {
      const { limit, collection, id } = opts;
      if (limit === 0) return [];
      if (collection === undefined && id === undefined) {
        return call<OutboxEntry[]>(tx, STORES.outbox, (s) => s.getAll(null, limit));
      }
      if (collection !== undefined && id !== undefined) {
        // Equal index keys are ordered by primary key, so this is key order already.
        return call<OutboxEntry[]>(tx, STORES.outbox, (s) =>
          s.index(OUTBOX_BY_RECORD).getAll([collection, id], limit),
        );
      }
      const all = await call<OutboxEntry[]>(tx, STORES.outbox, (s) => s.getAll());
      return selectOutbox(all, opts);
    },
    outboxCount() {
      return call(tx, STORES.outbox, (s) => s.count());
    },
    getMeta<T>(key: string) {
      return call<T | undefined>(tx, STORES.meta, (s) => s.get(key));
    },
    async rejections() {
      const all = await call<StoredRejection[]>(tx, STORES.rejections, (s) => s.getAll());
      // Stable sort: equal createdAt keep key order.
      return oldestFirst(all);
    },
  };
}

/** The full write transaction. Requests are issued without awaiting in between where order allows. */
export function writeTx(tx: IDBTransaction, ctx: TxContext): LocalWriteTx {
  return {
    ...readTx(tx, ctx),
    async putRecord(collection, record) {
      await call(tx, STORES.records, (s) => s.put(record, [collection, record.id]));
    },
    async putRecords(collection, records) {
      if (records.length === 0) return;
      // Issue every put at once (in key order when the caller sorted them); awaiting the last
      // request is enough because requests of one transaction complete in order.
      const sorted = [...records].sort(compareIds);
      const pending = sorted.map((r) => call(tx, STORES.records, (s) => s.put(r, [collection, r.id])));
      await Promise.all(pending);
    },
    async deleteRecord(collection, id) {
      await call(tx, STORES.records, (s) => s.delete([collection, id]));
    },
    async addOutbox(entry) {
      // The autoIncrement generator never goes back, even after the newest entry is removed.
      const key = await call(tx, STORES.outbox, (s) => s.add(entry));
      return key as number;
    },
    async updateOutbox(entry) {
      const existing = await call(tx, STORES.outbox, (s) => s.count(entry.key));
      if (existing === 0) throw new SynclineError('not_found', `Outbox entry ${entry.key} does not exist.`);
      await call(tx, STORES.outbox, (s) => s.put(entry));
    },
    async removeOutbox(keys) {
      await Promise.all(keys.map((key) => call(tx, STORES.outbox, (s) => s.delete(key))));
    },
    async setMeta(key, value) {
      await call(tx, STORES.meta, (s) => s.put(value, key));
    },
    async deleteMeta(key) {
      await call(tx, STORES.meta, (s) => s.delete(key));
    },
    async putRejection(rejection) {
      await call(tx, STORES.rejections, (s) => s.put(rejection));
    },
    async removeRejection(key) {
      await call(tx, STORES.rejections, (s) => s.delete(key));
    },
    async markAll(collection) {
      await eachCursor(tx, collectionRange(ctx, collection), (cursor) => {
        const r = cursor.value as LocalRecord;
        if (!r.marked) cursor.update({ ...r, marked: true });
      });
    },
    async sweepMarked(collection) {
      let swept = 0;
      await eachCursor(tx, collectionRange(ctx, collection), (cursor) => {
        const r = cursor.value as LocalRecord;
        if (r.marked && r.pending === 0) {
          cursor.delete();
          swept++;
        }
      });
      return swept;
    },
  };
}
