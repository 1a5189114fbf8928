/**
 * The driver shim contract: the few SQLite calls the LocalStore needs, nothing more (ARCHITECTURE.md §11).
 * A driver is a ~100-line file over one SQLite library (better-sqlite3, op-sqlite, …). Methods
 * may answer synchronously or with a Promise, so both synchronous and asynchronous libraries fit.
 *
 * A driver owns one connection. The store never runs two transactions on it at once, so a driver
 * needs no locking of its own. Drivers should cache prepared statements by SQL text: the store
 * repeats the same SQL with new parameters (a bulk load runs one statement thousands of times).
 *
 * @example
 * const driver: SqliteDriver = betterSqlite3Driver('./data/app.db');
 * await driver.run('INSERT INTO t (a) VALUES (?)', [1]);
 */
export interface SqliteDriver {
  /** Runs one or more statements without parameters or results (DDL, BEGIN/COMMIT). */
  exec(sql: string): MaybePromise<void>;
  /** Runs one statement with bound parameters. */
  run(sql: string, params?: readonly SqlValue[]): MaybePromise<RunResult>;
  /** Runs one query with bound parameters and returns every row as a column → value object. */
  all(sql: string, params?: readonly SqlValue[]): MaybePromise<SqlRow[]>;
  /** Closes the connection; pending work has finished by the time the store calls it. */
  close(): MaybePromise<void>;
  /**
   * Optional: runs `fn` inside one transaction of the library's own (committed when `fn`
   * resolves, rolled back when it rejects, the error rethrown). A library whose transactions
   * queue against the app's own transactions on the same connection (op-sqlite's
   * `db.transaction()`) implements it so the store's transactions join that queue. Without it the
   * store runs `BEGIN IMMEDIATE`/`BEGIN` … `COMMIT` through {@link SqliteDriver.exec}.
   * `mode` is `write` for transactions that may write, `read` otherwise.
   */
  transaction?<T>(mode: 'read' | 'write', fn: () => Promise<T>): Promise<T>;
}

/** A value SQLite can bind or return. */
export type SqlValue = string | number | bigint | Uint8Array | null;

/** A result row, keyed by column name. */
export type SqlRow = Record<string, SqlValue>;

/** What running one statement (`SqliteDriver.run`) reports. */
export interface RunResult {
  /** Rows inserted, updated or deleted by the statement. */
  changes: number;
  /** Rowid of the last inserted row. */
  lastInsertRowid: number | bigint;
}

/**
 * A value or a promise of it: drivers over synchronous libraries (better-sqlite3) answer directly,
 * others with promises.
 */
export type MaybePromise<T> = T | Promise<T>;
