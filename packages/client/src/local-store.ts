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
 *
 * @example
 * const store: LocalStore = createSqliteLocalStore(betterSqlite3Driver('./data/alice.db'));
 * await store.open(schema);
 * const pending = await store.read((tx) => tx.outboxCount());
 * await store.write(async (tx) => {
 *   await tx.putRecord('tasks', record);
 *   await tx.addOutbox(entry); // commits with the record, or neither does
 * });
 */
export interface LocalStore {
  /** Creates or additively migrates storage for `schema`. Reports collections that are new or whose columns changed. */
  open(schema: SchemaDef): Promise<OpenResult>;
  /** Runs `fn` in one read transaction; it sees every earlier committed `write`. */
  read<T>(fn: (tx: LocalReadTx) => Promise<T>): Promise<T>;
  /**
   * Runs `fn` in one atomic, durable write transaction: all of its effects commit together, or none
   * if `fn` throws.
   */
  write<T>(fn: (tx: LocalWriteTx) => Promise<T>): Promise<T>;
  /** Closes the database; the store is not used afterwards. */
  close(): Promise<void>;
}

/**
 * What {@link LocalStore.open} found: collections to download for the first time and collections
 * whose columns changed.
 */
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

/**
 * Everything the store keeps for one record (decision 0004): the server base, the visible row, the
 * pending count and the reset mark.
 */
export interface LocalRecord {
  /** The record id. */
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

/**
 * One local write waiting for the server: its operation, in write order, with the `seq` it was sent
 * under once sent.
 */
export interface OutboxEntry {
  /** Assigned by the store on `addOutbox`, strictly increasing: the order of local writes. */
  key: number;
  /** The collection of the record written. */
  collection: string;
  /** The id of the record written. */
  id: string;
  /** The write: insert (data), update (patch, baseVersion) or delete (baseVersion). */
  op: LocalOp;
  /** The push `seq`, assigned and stored before the entry is first sent; null until then. */
  seq: number | null;
  /** The clientId the seq belongs to. */
  clientId: string | null;
  /** Clock time (ms) of the local write. */
  createdAt: number;
}

/** A comparison of one column in a {@link Where}; several operators in one object must all hold. */
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

/** A LocalStore query: filter, order (default by id), limit and offset. Only visible rows match. */
export interface Query {
  /** Filter: every condition must hold. */
  where?: Where;
  /** Sort columns, first one first; ties (and no `orderBy`) by id. */
  orderBy?: ReadonlyArray<readonly [column: string, direction: 'asc' | 'desc']>;
  /** At most this many rows. */
  limit?: number;
  /** Skip this many rows first. */
  offset?: number;
}

/** A rejection as the store keeps it, until the app dismisses it (decision 0008). */
export interface StoredRejection {
  /** Unique id of the rejection (the engine uses `${clientId}:${seq}`). */
  key: string;
  /** The collection of the rejected record. */
  collection: string;
  /** The id of the rejected record. */
  id: string;
  /** Why the server refused it (ARCHITECTURE.md §5.1, §5.2). */
  code: 'conflict' | 'not_found' | 'forbidden' | 'invalid';
  /** What happened and what to do, in words a person understands. */
  message: string;
  /**
   * The record as the server has it now, when the user may read it; the local record was rolled
   * back to it.
   */
  current: WireRecord | null;
  /** The dropped local ops, oldest first (for `reapply`). */
  dropped: LocalOp[];
  /** For `invalid`: which fields were wrong, and why. */
  issues: Array<{ path: string; message: string }>;
  /** Clock time (ms) when the rejection was stored. */
  createdAt: number;
  /** Set once a `rejected` event has been emitted for it. */
  notified: boolean;
}

/** A rejection as the app sees it (the `rejected` event and `rejections()`). */
export type ClientRejection = Omit<StoredRejection, 'notified'>;

/**
 * What a read transaction offers. Inside it, await only these methods (IndexedDB commits on a
 * foreign await).
 */
export interface LocalReadTx {
  /** The record `id` of `collection` (visible or not), or null. */
  getRecord(collection: string, id: string): Promise<LocalRecord | null>;
  /**
   * The stored records among `ids` of `collection` (visible or not), by id; absent ids are not in
   * the map. One read for many ids: a pull page looks up all its ids at once.
   */
  getRecords(collection: string, ids: readonly string[]): Promise<Map<string, LocalRecord>>;
  /** Visible rows (row !== null) matching `q`. Without orderBy, order is by id. */
  query(collection: string, q: Query): Promise<LocalRow[]>;
  /** Outbox entries in key order; filter by record when `collection` and `id` are given. */
  outbox(opts?: { limit?: number; collection?: string; id?: string }): Promise<OutboxEntry[]>;
  /** How many outbox entries there are (`status.pending`). */
  outboxCount(): Promise<number>;
  /** An engine bookkeeping value (client id, last seq, cursors, reset marks), or undefined. */
  getMeta<T = unknown>(key: string): Promise<T | undefined>;
  /** Stored rejections, oldest first. */
  rejections(): Promise<StoredRejection[]>;
}

/**
 * What a write transaction offers: everything of {@link LocalReadTx} plus the writes. Every write
 * of one transaction commits together.
 */
export interface LocalWriteTx extends LocalReadTx {
  /** Inserts or replaces one record. */
  putRecord(collection: string, record: LocalRecord): Promise<void>;
  /** Puts many records in key order; the fast path of initial sync. */
  putRecords(collection: string, records: LocalRecord[]): Promise<void>;
  /** Removes one record (absent: no-op). */
  deleteRecord(collection: string, id: string): Promise<void>;
  /** Appends an outbox entry; answers its new, strictly increasing `key`. */
  addOutbox(entry: Omit<OutboxEntry, 'key'>): Promise<number>;
  /**
   * Optional: appends many entries in order, as the same `addOutbox` calls would (keys strictly
   * increasing in array order), without answering the keys. The batch writes use it when a store
   * has it (one statement on SQLite, decision 0030); without it they call `addOutbox` per entry.
   */
  addOutboxMany?(entries: ReadonlyArray<Omit<OutboxEntry, 'key'>>): Promise<void>;
  /** Replaces the entry with the same `key` (its seq, clientId or op). */
  updateOutbox(entry: OutboxEntry): Promise<void>;
  /** Removes the entries with these keys. */
  removeOutbox(keys: number[]): Promise<void>;
  /** Stores an engine bookkeeping value (JSON-serialisable). */
  setMeta(key: string, value: unknown): Promise<void>;
  /** Forgets an engine bookkeeping value. */
  deleteMeta(key: string): Promise<void>;
  /** Inserts or replaces the rejection with the same `key`. */
  putRejection(rejection: StoredRejection): Promise<void>;
  /** Removes a rejection (the app dismissed it). */
  removeRejection(key: string): Promise<void>;
  /** Sets `marked` on every record of the collection (start of a reset). */
  markAll(collection: string): Promise<void>;
  /** Deletes marked records with `pending === 0`; returns how many were deleted. */
  sweepMarked(collection: string): Promise<number>;
}
