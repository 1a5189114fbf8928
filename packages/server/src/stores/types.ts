import type { MutationResult, WireRecord } from '@syncline/core';

/**
 * The server-store contract: SQLite (embedded default) and PostgreSQL (production) implement it;
 * one conformance suite (`stores/conformance/server-store-suite.ts`) runs against both.
 *
 * Server tables are real tables named after collections (snake_case columns) plus bookkeeping
 * columns maintained by triggers, so writes by the app's own SQL are synced too:
 * `version` (fresh on every write, unique per database), `updated_at`, `updated_by` (the pushing
 * user, null for plain SQL), `deleted_at`, field
 * versions for merge-fields, and whatever the store's commit-ordered cursor needs.
 */
export interface ServerStore {
  /** Which database the store runs on. */
  readonly kind: 'sqlite' | 'postgres';
  /** Creates or additively migrates tables, triggers and bookkeeping for the schema. Idempotent. */
  migrate(): Promise<void>;
  /**
   * Runs fn in one write transaction. SQLite serialises these; PostgreSQL retries fn on
   * serialization failures and deadlocks, so fn must be safe to run again.
   */
  write<T>(fn: (tx: WriteTx) => Promise<T>): Promise<T>;
  /** Runs fn with read access outside a write transaction (rules' `access`, tests). */
  read<T>(fn: (db: SqlDb) => Promise<T>): Promise<T>;
  /**
   * The current records (tombstones included) among `ids` of one collection, in any order;
   * absent ids are left out. The pull's `check` (decision 0012) asks about rows a client holds
   * outside its cursor's keys.
   */
  records(collection: string, ids: readonly string[]): Promise<WireRecord[]>;
  /** Reads one page of changes, for every requested collection, from one snapshot. */
  pull(request: StorePullRequest): Promise<StorePullResult>;
  /** Removes tombstones (and gone-markers) older than `olderThanMs`, records the horizon. */
  gc(olderThanMs: number): Promise<{ removed: number }>;
  /**
   * Starts a new database generation, so every client position answers `reset` and clients
   * download again (keeping their pending writes). Both built-in stores have it; `syncline
   * bump-generation` runs it. Optional for stores that cannot lose history.
   */
  bumpGeneration?(): Promise<string>;
  /**
   * Resolves when the store can serve the schema: the database answers and is migrated (the
   * bookkeeping, every collection's table and column). Rejects with a SynclineError naming what
   * is missing and what to run. `GET /readyz` answers 503 while it rejects; without it, a
   * `SELECT 1` is the check.
   */
  check?(): Promise<void>;
  /**
   * The change feed, for realtime pokes (decision 0013): calls `listener` with the rows changed
   * since the subscription, by this store or by any other connection or process (the app's own
   * SQL included), shortly after they commit — and, where the store's pull waits for a watermark
   * (PostgreSQL), only once the next pull can see them. A change may be reported more than once
   * or together with later ones; none is left out while subscribed. Returns the unsubscribe
   * function. Optional: without it the server serves no realtime socket.
   *
   * @example
   * const stop = store.subscribe?.((changes) => hub.route(changes), { onError: (e) => logger.error(e) });
   */
  subscribe?(listener: (changes: StoreChange[]) => void, options?: SubscribeOptions): () => void;
  /**
   * The user a client id belongs to (its first pusher, see `lockClient`), or null for an unknown
   * client id. The realtime socket refuses a client id of another user.
   */
  clientUser?(clientId: string): Promise<string | null>;
  /** Stops the change feed and closes the database connections; the store is not used afterwards. */
  close(): Promise<void>;
}

/**
 * One changed row in the change feed. `row` is the row as it is now (camelCase columns, `id`,
 * `deletedAt` set for a tombstone), or null when the change is a gone-marker: a row deleted by
 * plain SQL, or one whose scope column (or id) changed. `old` holds what the gone-marker
 * recorded of the row before: its scope columns (or, when the store was not told them, its text
 * columns), camelCase; null for a live row's change.
 */
export interface StoreChange {
  collection: string;
  id: string;
  row: Readonly<Record<string, unknown>> | null;
  old: Readonly<Record<string, unknown>> | null;
}

/** Options of {@link ServerStore.subscribe}. */
export interface SubscribeOptions {
  /** Told about failed feed reads (the feed keeps trying at its interval). */
  onError?: (error: unknown) => void;
  /**
   * Called once the feed has its starting point: every change committed after this is reported.
   * (A realtime server welcomes a socket only then, so the client's first pull and the pokes
   * leave no gap between them.)
   */
  onReady?: () => void;
  /**
   * The columns this subscriber reads of changed rows, per collection: `'all'` for whole rows, or
   * a list (camelCase; `id` and `deletedAt` always come). A collection left out is reported with
   * `id` and `deletedAt` only. Without this option every row comes whole. A store may report more
   * than asked (the SQLite feed always reports whole rows); the PostgreSQL feed reads only what
   * its subscribers ask for, which keeps the feed's cost off the push path (the realtime hub asks
   * for the scope columns, and whole rows only where the rules have `affects`).
   */
  columns?: Readonly<Record<string, readonly string[] | 'all'>>;
}

/** Raw SQL for rules and the app: `?` placeholders (PostgreSQL stores rewrite them to $n). */
export interface SqlDb {
  /**
   * Runs one statement and answers its rows (column names as the database returns them, usually
   * snake_case).
   */
  all<R = Record<string, unknown>>(sql: string, params?: readonly unknown[]): Promise<R[]>;
}

/** What the server keeps for one client id: its owner and how far its pushes got. */
export interface ClientState {
  /** The user the client id belongs to: the first one that pushed with it. */
  userId: string;
  /** The last processed seq (applied or rejected); 0 for a new client. */
  lastSeq: number;
}

/** A record as the push path reads it: the wire record and its per-column versions. */
export interface StoredRecord {
  /** Camel-case record with metadata; `deletedAt` set for a soft-deleted record. */
  record: WireRecord;
  /** Column → version of the write that last changed it (merge-fields). Missing columns count as 0. */
  fieldVersions: Record<string, number>;
}

/**
 * One store write transaction, as the push handler sees it (ARCHITECTURE.md §5.3, §5.4). Everything
 * it does commits together when the transaction ends.
 */
export interface WriteTx extends SqlDb {
  /** Runs fn inside a savepoint: if fn throws, only fn's effects are rolled back, and the error rethrown. */
  savepoint<T>(fn: () => Promise<T>): Promise<T>;
  /**
   * Returns the client's state, creating it for `userId` (lastSeq 0) if absent, and holds a lock
   * on it until the transaction ends, so concurrent pushes of one client serialise.
   */
  lockClient(clientId: string, userId: string): Promise<ClientState>;
  /** Records `seq` as the client's last processed seq (applied or rejected). */
  setLastSeq(clientId: string, seq: number): Promise<void>;
  /**
   * Attributes the record writes that follow, until this transaction ends, to `userId`: the
   * triggers stamp it into `updated_by` (the wire's `updatedBy`). Any write outside such a
   * transaction — the app's own SQL, psql, a cron job — gets NULL. Call it before any savepoint.
   */
  writeAs(userId: string): Promise<void>;
  /** Recorded outcomes of earlier mutations of this client, by seq (aged-out ones are missing). */
  getOutcomes(clientId: string, seqs: readonly number[]): Promise<Map<number, MutationResult>>;
  /** Records the answer given for `seq`, so a re-send gets the same answer (ARCHITECTURE.md §1.3). */
  saveOutcome(clientId: string, seq: number, result: MutationResult): Promise<void>;
  /** Forgets outcomes with seq < belowSeq. */
  pruneOutcomes(clientId: string, belowSeq: number): Promise<void>;
  /** The record including soft-deleted ones; null when absent. */
  getRecord(collection: string, id: string): Promise<StoredRecord | null>;
  /** Inserts a live record; also revives nothing: the caller has checked that the id is free. */
  insertRecord(collection: string, id: string, data: Record<string, unknown>): Promise<WireRecord>;
  /**
   * Writes `patch`'s columns of an existing record; the trigger gives it a new version. Answers the
   * stored record.
   */
  updateRecord(collection: string, id: string, patch: Record<string, unknown>): Promise<WireRecord>;
  /** Sets deleted_at (a tombstone); the trigger gives it a new version. */
  softDelete(collection: string, id: string): Promise<WireRecord>;

  // Optional batch capabilities: one statement per push instead of one per mutation, where
  // round trips dominate (PostgreSQL). The push handler uses them when present.

  /** Locks and reads the existing records among `ids` (in id order, so two pushes never lock crosswise). */
  getRecords?(collection: string, ids: readonly string[]): Promise<Map<string, StoredRecord>>;
  /** insertRecord for many records of one collection; answers the records by id. An id taken meanwhile fails it all. */
  insertRecords?(
    collection: string,
    rows: ReadonlyArray<{ id: string; data: Record<string, unknown> }>,
  ): Promise<Map<string, WireRecord>>;
  /**
   * updateRecord for many records of one collection (distinct ids, each locked by an earlier read
   * of this transaction); answers the records by id. Each record still gets its own version.
   */
  updateRecords?(
    collection: string,
    rows: ReadonlyArray<{ id: string; patch: Record<string, unknown> }>,
  ): Promise<Map<string, WireRecord>>;
  /** saveOutcome for many results in one statement. */
  saveOutcomes?(clientId: string, results: readonly MutationResult[]): Promise<void>;
  /**
   * The end of a push in one statement: saveOutcomes(results), setLastSeq(lastSeq) and
   * pruneOutcomes(keepFromSeq), leaving exactly what those three calls in that order leave.
   */
  recordPush?(
    clientId: string,
    results: readonly MutationResult[],
    lastSeq: number,
    keepFromSeq: number,
  ): Promise<void>;
}

/**
 * Which rows of a collection a pull may see: every row; the rows whose `column` holds one of
 * `keys`; or the rows where any of several columns holds one of its keys (decision 0012; the
 * column `id` is the row's own id).
 */
export type ScopeFilter =
  | { kind: 'public' }
  | { kind: 'keys'; column: string; keys: readonly string[] }
  | { kind: 'any'; of: ReadonlyArray<{ column: string; keys: readonly string[] }> };

/** One page's reads of a pull, as the handler asks the store (ARCHITECTURE.md §6). */
export interface StorePullRequest {
  /**
   * The reads of this page. One collection may be read several times with different scopes and
   * positions (a backfill of gained keys beside the main read); `key` then names each read in the
   * result (default: the collection's name).
   */
  collections: Array<{
    name: string;
    key?: string;
    position: string | null;
    scope: ScopeFilter;
    /**
     * Where a row counts as still visible to the caller (default: `scope`). A gone-marker is sent
     * only for a row outside it, so a read of some of the caller's keys never tombstones a row
     * that another of its reads delivers.
     */
    visible?: ScopeFilter;
  }>;
  /** Max rows in the whole answer. */
  limit: number;
}

/** A page's changes as JSON text: wire records with `updatedBy`, as protocol 3 sends them. */
export interface RawChanges {
  /** The JSON array of the changes, as text or as its UTF-8 bytes. */
  readonly json: string | Uint8Array;
  /** How many changes it holds. */
  readonly count: number;
  /**
   * Each change's JSON text, id and version, in the array's order, when the store has them (merging
   * the pages of two reads of one collection needs them; without, the handler parses `json`).
   */
  readonly rows?: {
    readonly texts: readonly string[];
    readonly ids: readonly string[];
    readonly versions: readonly number[];
  };
}

/** One page of a pull, read from one snapshot. */
export interface StorePullResult {
  /** By the request's `key` (default: the collection's name). */
  collections: Record<
    string,
    {
      /** Live rows and tombstones in scope; tombstones of rows that left the scope as `{ id, version, deletedAt }`. */
      changes: WireRecord[];
      /** Opaque store position to resume from (includes the database generation). */
      position: string;
      hasMore: boolean;
      /** The position is invalid, from another database generation, or older than the GC horizon: start over. */
      reset: boolean;
      /**
       * Optional: the same changes as JSON text, which the handler writes as it is instead of
       * serialising `changes` (decision 0033). A store that sets it may build `changes` from it lazily.
       */
      raw?: RawChanges;
    }
  >;
  /** Estimate of rows left after this page, across the requested collections. */
  remaining: number;
}
