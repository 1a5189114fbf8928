import type { SchemaDef, WireRecord } from '@syncline/core';
import type { LocalOp } from '@syncline/core/internal';

/**
 * The LocalStore contract: everything the sync engine needs from a local database, nothing more.
 * Implementations: SQLite (`@syncline/store-sqlite`), IndexedDB. One conformance suite
 * (`@syncline/client/conformance`) runs against each.
 *
 * Rules every implementation keeps:
 * - `write(fn)` is one atomic, durable transaction: all of fn's effects commit together or none do
 *   (fn throwing rolls back). Inside fn, await only the tx's own methods.
 * - Transactions never interleave: a `write` sees the effects of every earlier committed `write`.
 */
export interface LocalStore {
  /** Creates or additively migrates storage for `schema`. Reports collections that are new or whose columns changed. */
  open(schema: SchemaDef): Promise<OpenResult>;
  read<T>(fn: (tx: LocalReadTx) => Promise<T>): Promise<T>;
  write<T>(fn: (tx: LocalWriteTx) => Promise<T>): Promise<T>;
  close(): Promise<void>;
}

export interface OpenResult {
  /** Collections with no stored fingerprint (first open, or added by a new app version). */
  added: string[];
  /** Collections whose stored fingerprint differs from the schema's: the engine re-downloads them. */
  changed: string[];
}

/**
 * A visible row: metadata plus columns (camelCase). A pending insert has `version: 0`,
 * `updatedAt: null`, `updatedBy: null`. `updatedBy` is the user whose push wrote the server
 * state last (null for plain-SQL writes and for servers before protocol 3).
 */
export type LocalRow = Record<string, unknown> & {
  id: string;
  version: number;
  updatedAt: string | null;
  updatedBy: string | null;
  deletedAt: string | null;
};

export interface LocalRecord {
  id: string;
  /** Server state (the last pulled or acknowledged record), or null when the server never had it. */
  base: WireRecord | null;
  /** What the app sees: `base` with the pending ops applied; null when not visible (deleted). */
  row: LocalRow | null;
  /** Number of outbox entries for this record; > 0 means "has unsynced changes". */
  pending: number;
  /** Set on every record when a reset starts; cleared when the server sends the record again. */
  marked: boolean;
}

export interface OutboxEntry {
  /** Assigned by the store on `addOutbox`, strictly increasing: the order of local writes. */
  key: number;
  collection: string;
  id: string;
  op: LocalOp;
  /** The push `seq`, assigned and stored before the entry is first sent; null until then. */
  seq: number | null;
  /** The clientId the seq belongs to. */
  clientId: string | null;
  createdAt: number;
}

export type Comparison = {
  eq?: unknown;
  ne?: unknown;
  gt?: unknown;
  gte?: unknown;
  lt?: unknown;
  lte?: unknown;
  in?: unknown[];
};
/** Column → value (equality) or comparison. Only visible rows are ever returned. */
export type Where = Record<string, unknown | Comparison>;

export interface Query {
  where?: Where;
  orderBy?: ReadonlyArray<readonly [column: string, direction: 'asc' | 'desc']>;
  limit?: number;
  offset?: number;
}

export interface StoredRejection {
  /** Unique id of the rejection (the engine uses `${clientId}:${seq}`). */
  key: string;
  collection: string;
  id: string;
  code: 'conflict' | 'not_found' | 'forbidden' | 'invalid';
  message: string;
  current: WireRecord | null;
  /** The dropped local ops, oldest first (for `reapply`). */
  dropped: LocalOp[];
  issues: Array<{ path: string; message: string }>;
  createdAt: number;
  /** Set once a `rejected` event has been emitted for it. */
  notified: boolean;
}

/** A rejection as the app sees it (the `rejected` event and `rejections()`). */
export type ClientRejection = Omit<StoredRejection, 'notified'>;

export interface LocalReadTx {
  getRecord(collection: string, id: string): Promise<LocalRecord | null>;
  /** Visible rows (row !== null) matching `q`. Without orderBy, order is by id. */
  query(collection: string, q: Query): Promise<LocalRow[]>;
  /** Outbox entries in key order; filter by record when `collection` and `id` are given. */
  outbox(opts?: { limit?: number; collection?: string; id?: string }): Promise<OutboxEntry[]>;
  outboxCount(): Promise<number>;
  getMeta<T = unknown>(key: string): Promise<T | undefined>;
  rejections(): Promise<StoredRejection[]>;
}

export interface LocalWriteTx extends LocalReadTx {
  putRecord(collection: string, record: LocalRecord): Promise<void>;
  /** Puts many records in key order; the fast path of initial sync. */
  putRecords(collection: string, records: LocalRecord[]): Promise<void>;
  deleteRecord(collection: string, id: string): Promise<void>;
  addOutbox(entry: Omit<OutboxEntry, 'key'>): Promise<number>;
  updateOutbox(entry: OutboxEntry): Promise<void>;
  removeOutbox(keys: number[]): Promise<void>;
  setMeta(key: string, value: unknown): Promise<void>;
  deleteMeta(key: string): Promise<void>;
  putRejection(rejection: StoredRejection): Promise<void>;
  removeRejection(key: string): Promise<void>;
  /** Sets `marked` on every record of the collection (start of a reset). */
  markAll(collection: string): Promise<void>;
  /** Deletes marked records with `pending === 0`; returns how many were deleted. */
  sweepMarked(collection: string): Promise<number>;
}
