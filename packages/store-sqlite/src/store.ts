import type { LocalReadTx, LocalStore, LocalWriteTx, OpenResult } from '@syncline/client';
import { type SchemaDef, SynclineError } from '@syncline/core';
import { Mutex } from '@syncline/core/internal';
import { Conn } from './conn.ts';
import type { SqliteDriver } from './driver.ts';
import { closedError, toStorageError } from './errors.ts';
import { migrate } from './migrate.ts';
import type { Table } from './table.ts';
import { SqliteTx } from './tx.ts';

/**
 * A `LocalStore` on SQLite, over any `SqliteDriver`. One table per collection holds the visible
 * row in real snake_case columns, so the app can read its data with plain SQL
 * (`SELECT title FROM tasks WHERE _visible = 1`); the sync bookkeeping lives in `_visible`,
 * `_base`, `_pending`, `_marked` and the `_syncline_*` tables.
 *
 * Every transaction runs under one FIFO lock: `write()` is BEGIN IMMEDIATE…COMMIT and `read()`
 * BEGIN…COMMIT, so two transactions never share the connection. Don't call `read`/`write` from
 * inside a transaction callback: it would wait for the lock its own caller holds.
 *
 * Pass a driver, or `{ path }` to open a better-sqlite3 file (Node, Electron main).
 *
 * @example
 * const store = createSqliteLocalStore({ path: './data/app.db' });
 * // or, with an explicit driver (e.g. to share the app's own connection):
 * const store2 = createSqliteLocalStore(betterSqlite3Driver(db));
 * const { added, changed } = await store.open(schema);
 */
export function createSqliteLocalStore(target: SqliteDriver | SqliteStoreOptions): LocalStore {
  return new SqliteLocalStore('path' in target ? loadBetterSqlite3(target.path) : target);
}

/** Opens a better-sqlite3 file at `path` (Node and Electron main only). */
export interface SqliteStoreOptions {
  path: string;
}

async function loadBetterSqlite3(path: string): Promise<SqliteDriver> {
  // Loaded on demand so the main entry does not pull the Node-only library into other platforms'
  // code paths; React Native passes an op-sqlite driver instead.
  const { betterSqlite3Driver } = await import('./drivers/better-sqlite3/index.ts');
  return betterSqlite3Driver(path);
}

class SqliteLocalStore implements LocalStore {
  private conn: Conn | null = null;
  private loadError: unknown = null;
  private readonly mutex = new Mutex();
  private tables: Map<string, Table> | null = null;
  private closed = false;

  constructor(driver: SqliteDriver | Promise<SqliteDriver>) {
    if (driver instanceof Promise) {
      // Every transaction queues behind this, so nothing runs before the driver exists.
      void this.mutex.run(async () => {
        try {
          this.conn = new Conn(await driver);
        } catch (error) {
          this.loadError = toStorageError(error);
        }
      });
    } else {
      this.conn = new Conn(driver);
    }
  }

  /** The connection; fails with the driver's load error when it could not be opened. */
  private connection(): Conn {
    if (this.conn) return this.conn;
    throw this.loadError ?? new SynclineError('storage', 'The local database is not available.');
  }

  open(schema: SchemaDef): Promise<OpenResult> {
    if (this.closed) return Promise.reject(closedError());
    return this.mutex.run(async () => {
      const { result, tables } = await this.transaction('BEGIN IMMEDIATE', () =>
        migrate(this.connection(), schema),
      );
      this.tables = tables;
      return result;
    });
  }

  read<T>(fn: (tx: LocalReadTx) => Promise<T>): Promise<T> {
    return this.run(false, fn);
  }

  write<T>(fn: (tx: LocalWriteTx) => Promise<T>): Promise<T> {
    return this.run(true, fn);
  }

  close(): Promise<void> {
    if (this.closed) return Promise.resolve();
    this.closed = true;
    // Transactions queued before close() still run; the connection closes after the last one.
    return this.mutex.run(async () => {
      try {
        await this.conn?.driver.close();
      } catch {
        // The connection is unusable either way; a failing close must not make close() throw.
      }
    });
  }

  private run<T>(writable: boolean, fn: (tx: SqliteTx) => Promise<T>): Promise<T> {
    if (this.closed) return Promise.reject(closedError());
    return this.mutex.run(() => {
      const tables = this.tables;
      if (!tables)
        throw new SynclineError('invalid', 'The local store is not open yet: call store.open(schema) first.');
      const tx = new SqliteTx(this.connection(), tables, writable);
      // IMMEDIATE takes the write lock up front, so a write never fails half-way on SQLITE_BUSY
      // when another connection (the app's own) wrote in between.
      return this.transaction(
        writable ? 'BEGIN IMMEDIATE' : 'BEGIN',
        () => fn(tx),
        () => tx.finish(),
      );
    });
  }

  /** Runs fn inside BEGIN…COMMIT; rolls back when fn or COMMIT fails, and rethrows. */
  private async transaction<T>(
    begin: string,
    fn: () => Promise<T>,
    finish: () => void = () => {},
  ): Promise<T> {
    const conn = this.connection();
    const { driver } = conn;
    if (driver.transaction) {
      // The library's transaction commits when the callback resolves: end the tx object first so
      // nothing of this transaction runs after COMMIT. The callback's own error is rethrown as
      // it is; anything else (BEGIN, COMMIT) becomes a storage error.
      let failed: { error: unknown } | null = null;
      const run = async (): Promise<T> => {
        try {
          return await fn();
        } catch (error) {
          failed = { error };
          throw error;
        } finally {
          finish();
        }
      };
      try {
        return await driver.transaction<T>(begin === 'BEGIN IMMEDIATE' ? 'write' : 'read', run);
      } catch (error) {
        const own = failed as { error: unknown } | null;
        throw own ? own.error : toStorageError(error);
      }
    }
    await conn.exec(begin);
    let result: T;
    try {
      result = await fn();
      finish();
      await conn.exec('COMMIT');
    } catch (error) {
      finish();
      try {
        await conn.exec('ROLLBACK');
      } catch {
        // SQLite may already have rolled back (e.g. after SQLITE_FULL); the original error matters.
      }
      throw error;
    }
    return result;
  }
}
