import { resolve } from 'node:path';
import { SynclineError } from '@syncline/core';
import Database from 'better-sqlite3';
import type { RunResult, SqliteDriver, SqlRow, SqlValue } from '../../driver.ts';
import { toStorageError } from '../../errors.ts';
import { backgroundCheckpoints } from './checkpointer.ts';

/** Options of {@link betterSqlite3Driver}. */
export interface BetterSqlite3DriverOptions {
  /** How long a statement waits for another connection's lock before SQLITE_BUSY. Default 5000 ms. */
  busyTimeoutMs?: number;
  /** Prepared statements kept per connection (least recently used are dropped). Default 200. */
  statementCacheSize?: number;
  /**
   * Where WAL checkpoints run for a file the driver opens: `background` (default), on a worker
   * thread's own connection so no write waits for one (decision 0027), or `inline`, SQLite's own
   * automatic checkpoint inside the COMMIT that crosses 1000 WAL pages. A connection passed in
   * keeps its own settings.
   */
  checkpoints?: 'background' | 'inline';
}

/**
 * A `SqliteDriver` over better-sqlite3 (Node, Electron main process). Opens `target` (a file
 * path, or `':memory:'`) or wraps an existing connection, and sets the durability the design
 * promises (ARCHITECTURE.md §1.1): WAL with `synchronous=NORMAL` — a process crash loses nothing, a power
 * cut at most the last moments — plus a busy timeout and foreign keys.
 *
 * A connection passed in stays the caller's: `close()` leaves it open.
 *
 * @example
 * const store = createSqliteLocalStore(betterSqlite3Driver(path.join(app.getPath('userData'), 'sync.db')));
 */
export function betterSqlite3Driver(
  target: string | Database.Database,
  options: BetterSqlite3DriverOptions = {},
): SqliteDriver {
  const owned = typeof target === 'string';
  let db: Database.Database;
  try {
    db = owned ? new Database(target) : target;
    db.pragma('journal_mode = WAL');
    db.pragma('synchronous = NORMAL');
    db.pragma(`busy_timeout = ${Math.max(0, Math.floor(options.busyTimeoutMs ?? 5000))}`);
    db.pragma('foreign_keys = ON');
  } catch (error) {
    const failure = toStorageError(error);
    if (typeof target !== 'string' || target === ':memory:') throw failure;
    // Name the file: "the directory does not exist" is only actionable with the path.
    const path = resolve(target);
    throw new SynclineError('storage', `Could not open the local database ${path}: ${failure.message}`, {
      cause: error,
      retryable: failure.retryable,
      details: { ...(failure.details as object), path },
    });
  }

  const checkpointer =
    owned && target !== ':memory:' && options.checkpoints !== 'inline'
      ? backgroundCheckpoints(db, db.name)
      : null;
  // Statements cached by SQL text: the store repeats a few statements with new parameters.
  const cacheSize = Math.max(1, options.statementCacheSize ?? 200);
  const statements = new Map<string, Database.Statement>();
  let lastSql = '';
  let last: Database.Statement | null = null;
  const prepare = (sql: string): Database.Statement => {
    // The same statement again (a bulk insert): already the most recently used.
    if (sql === lastSql && last) return last;
    const cached = statements.get(sql);
    if (cached) {
      lastSql = sql;
      last = cached;
      statements.delete(sql);
      statements.set(sql, cached);
      return cached;
    }
    const statement = db.prepare(sql);
    lastSql = sql;
    last = statement;
    statements.set(sql, statement);
    if (statements.size > cacheSize) {
      const oldest = statements.keys().next().value;
      if (oldest !== undefined) statements.delete(oldest);
    }
    return statement;
  };

  return {
    exec(sql: string): void {
      db.exec(sql);
      if (checkpointer && sql === 'COMMIT') checkpointer.committed();
    },
    run(sql: string, params: readonly SqlValue[] = []): RunResult {
      // better-sqlite3 answers { changes, lastInsertRowid } already: no copy per statement.
      return prepare(sql).run(...params);
    },
    all(sql: string, params: readonly SqlValue[] = []): SqlRow[] {
      return prepare(sql).all(...params) as SqlRow[];
    },
    async close(): Promise<void> {
      statements.clear();
      // The worker's connection closes first, so the last close checkpoints and removes the WAL.
      await checkpointer?.close();
      if (owned && db.open) db.close();
    },
  };
}
