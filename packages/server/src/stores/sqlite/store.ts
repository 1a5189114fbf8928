/**
 * The SQLite ServerStore (embedded default) on better-sqlite3: one connection, WAL,
 * `synchronous=NORMAL`, every use serialised through an async mutex.
 */

import { randomBytes } from 'node:crypto';
import type { SchemaDef } from '@syncline/core';
import { SynclineError } from '@syncline/core';
import { Mutex } from '@syncline/core/internal';
import type Database from 'better-sqlite3';
import { assertMigrated, missingForSchema } from '../migration-check.ts';
import { sqlReads } from '../sql-dialect.ts';
import type { ServerStore, SqlDb, StorePullRequest, StorePullResult } from '../types.ts';
import { q } from './ddl.ts';
import { busyAsUnavailable, openFile } from './errors.ts';
import { sqliteChangeFeed } from './feed.ts';
import { collectGarbage } from './gc.ts';
import { closeMarker, detectRestore, markerPath, openEpoch, writeMarker } from './history.ts';
import { migrateSqlite } from './migrate.ts';
import { pullPage } from './pull.ts';
import { changeMarker, nextRequest, PullAhead } from './pull-ahead.ts';
import { rowToRecord, rowToStored, sqlAssignments, toSqlParam } from './records.ts';
import { sqliteDialect } from './sql.ts';
import { createWriteTx } from './write-tx.ts';

/** Options of {@link createSqliteStore}. */
export interface SqliteStoreOptions {
  /** Database file (its directory is created if absent), or ':memory:'. */
  path: string;
  schema: SchemaDef;
  /**
   * The scope column per collection (as in the rules' `scope`). Optional: without it every text
   * column counts as a possible scope column, so changing any text column leaves a gone-marker.
   * With it, only the scope column does, and pulls get a (scope, version) index.
   */
  scopeColumns?: Readonly<Record<string, string | readonly string[]>>;
  /** How long a writer waits for another connection's lock, in ms (default 5000). */
  busyTimeoutMs?: number;
  /**
   * How often the change feed (realtime pokes) checks `PRAGMA data_version` for commits by other
   * connections or processes, in ms (default 50). This store's own writes are reported right
   * after they commit. Polling runs only while someone subscribes.
   */
  changeFeedIntervalMs?: number;
}

/** The store plus the raw connection, for the app's own SQL and for tests. */
export interface SqliteStore extends ServerStore {
  readonly kind: 'sqlite';
  /** The underlying connection. Use it only through `read`/`write`, or for setup before serving. */
  readonly db: Database.Database;
  /**
   * Starts a new database generation: every client position becomes invalid and answers `reset`.
   * A restore is detected without it (decision 0011); run it when rows were changed in a way the
   * triggers did not see, or to force every client to download again.
   */
  bumpGeneration(): Promise<string>;
  subscribe: NonNullable<ServerStore['subscribe']>;
  clientUser: NonNullable<ServerStore['clientUser']>;
}

/**
 * Opens (or creates) a SQLite database for the sync server, creating its directory if needed.
 * Call `migrate()` before serving. A file that cannot be opened throws `SynclineError('storage')`
 * naming its path.
 *
 * @example
 * const store = createSqliteStore({ path: './data/syncline.db', schema });
 * await store.migrate();
 */
export function createSqliteStore(options: SqliteStoreOptions): SqliteStore {
  const { schema } = options;
  const db = openFile(options.path);
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = NORMAL');
  db.pragma(`busy_timeout = ${Math.max(0, Math.floor(options.busyTimeoutMs ?? 5000))}`);
  const mutex = new Mutex();
  const statements = new Map<string, Database.Statement>();
  let epoch: string | null = null;
  let closed = false;
  const ahead = new PullAhead();

  /** One pull page in one read transaction, with the marker of the snapshot it was read in. */
  function readPage(
    request: StorePullRequest,
    useAhead: boolean,
  ): { result: StorePullResult; marker: string } {
    return busyAsUnavailable(() =>
      db
        .transaction(() => {
          const marker = changeMarker(db);
          const result =
            (useAhead ? ahead.take(request, marker) : undefined) ??
            pullPage(db, schema, currentGeneration(), request, options.scopeColumns);
          return { result, marker };
        })
        .deferred(),
    );
  }

  /** After a page that has more: the page its cursor leads to, read once the answer is on its way. */
  function readAhead(request: StorePullRequest, result: StorePullResult): void {
    if (!Object.values(result.collections).some((c) => c.hasMore)) return;
    const next = nextRequest(request, result);
    if (ahead.has(next)) return;
    setImmediate(() => {
      void mutex
        .run(async () => {
          if (closed || epoch === null) return;
          const page = readPage(next, false);
          ahead.put(next, page.marker, page.result);
        })
        // A read ahead that fails is not kept: the request reads the page itself and answers the error.
        .catch(() => {});
    });
  }

  function prepare(sql: string): Database.Statement {
    let stmt = statements.get(sql);
    if (!stmt) {
      stmt = db.prepare(sql);
      // Bounded: rules may build SQL dynamically.
      if (statements.size > 500) statements.clear();
      statements.set(sql, stmt);
    }
    return stmt;
  }

  function all<R>(sql: string, params: readonly unknown[] = []): R[] {
    const stmt = prepare(sql);
    const bound = params.map(toSqlParam);
    if (stmt.reader) return stmt.all(...bound) as R[];
    stmt.run(...bound);
    return [];
  }

  /** `all` answering each row as an array of its values (no keyed object per row). */
  function allRaw(sql: string, params: readonly unknown[] = []): unknown[][] {
    return prepare(sql)
      .raw(true)
      .all(...params.map(toSqlParam)) as unknown[][];
  }

  const sqlDb: SqlDb = { all: async (sql, params) => all(sql, params) };

  const reads = sqlReads({
    dialect: sqliteDialect,
    schema,
    run: async (sql, params) => all(sql, params),
    rows: { rowToRecord, rowToStored, sqlAssignments },
  });

  function ensureOpen(): void {
    if (closed) throw new SynclineError('closed', 'The SQLite store is closed.');
  }

  /** Read in every pull's snapshot: another process (`syncline bump-generation`) may change it. */
  function currentGeneration(): string {
    const row = prepare("SELECT value FROM _syncline_meta WHERE key = 'generation'").get() as
      | { value: string }
      | undefined;
    if (!row)
      throw new SynclineError('storage', 'The SQLite store is not migrated: call store.migrate() first.');
    return row.value;
  }

  const marker = markerPath(options.path);
  const feed = sqliteChangeFeed({
    db,
    schema,
    run: (fn) =>
      mutex.run(async () => {
        ensureOpen();
        return fn();
      }),
    intervalMs: options.changeFeedIntervalMs ?? 50,
  });

  /**
   * Before this store's first write or pull: checks the marker file for a restore (a new
   * generation if the file lost history), then opens this store's epoch (see history.ts).
   */
  function ensureEpoch(): void {
    if (epoch !== null) return;
    busyAsUnavailable(() => detectRestore(marker, db));
    const opened = busyAsUnavailable(() => openEpoch(db));
    writeMarker(marker, db, opened);
    epoch = opened;
  }

  return {
    kind: 'sqlite',
    db,
    migrate: () =>
      mutex.run(async () => {
        ensureOpen();
        db.transaction(() => migrateSqlite(db, schema, options.scopeColumns ?? {})).immediate();
      }),
    write: (fn) =>
      mutex.run(async () => {
        ensureOpen();
        ensureEpoch();
        busyAsUnavailable(() => db.exec('BEGIN IMMEDIATE'));
        const { tx, attributed } = createWriteTx(all, allRaw, schema);
        try {
          const out = await fn(tx);
          // Never committed: other connections (plain SQL) must see no writer, so they write NULL.
          if (attributed()) prepare('DELETE FROM _syncline_writer').run();
          db.exec('COMMIT');
          // Pokes first: the marker (restore detection) needs no one waiting for it.
          feed.afterCommit();
          writeMarker(marker, db, epoch!);
          return out;
        } catch (err) {
          if (db.inTransaction) db.exec('ROLLBACK');
          throw err;
        }
      }),
    read: (fn) =>
      mutex.run(async () => {
        ensureOpen();
        return fn(sqlDb);
      }),
    check: () =>
      mutex.run(async () => {
        ensureOpen();
        const tables = db.prepare("SELECT name FROM sqlite_master WHERE type = 'table'").all() as Array<{
          name: string;
        }>;
        const columns = new Map<string, Set<string>>();
        for (const { name } of tables) {
          const info = db.prepare(`PRAGMA table_info(${q(name)})`).all() as Array<{ name: string }>;
          columns.set(name, new Set(info.map((c) => c.name)));
        }
        const meta =
          columns.has('_syncline_meta') &&
          db.prepare("SELECT 1 FROM _syncline_meta WHERE key = 'generation'").get() !== undefined;
        assertMigrated('SQLite', missingForSchema(schema, columns, meta));
      }),
    records: (collection, ids) =>
      mutex.run(async () => {
        ensureOpen();
        return reads.records(collection, ids);
      }),
    pull: (request) =>
      mutex.run(async () => {
        ensureOpen();
        ensureEpoch();
        // One read transaction: rows, gone-markers, the counter, generation and epochs from one snapshot.
        const { result } = readPage(request, true);
        readAhead(request, result);
        return result;
      }),
    gc: (olderThanMs) =>
      mutex.run(async () => {
        ensureOpen();
        const cutoff = new Date(Date.now() - olderThanMs).toISOString();
        return db.transaction(() => collectGarbage(db, schema, cutoff)).immediate();
      }),
    bumpGeneration: () =>
      mutex.run(async () => {
        ensureOpen();
        const value = randomBytes(8).toString('hex');
        const changed = busyAsUnavailable(
          () => db.prepare("UPDATE _syncline_meta SET value = ? WHERE key = 'generation'").run(value).changes,
        );
        if (changed === 0)
          throw new SynclineError('storage', 'The SQLite store is not migrated: call store.migrate() first.');
        if (epoch !== null) writeMarker(marker, db, epoch);
        return value;
      }),
    subscribe: feed.subscribe,
    clientUser: (clientId) =>
      mutex.run(async () => {
        ensureOpen();
        return reads.clientUser(clientId);
      }),
    close: () =>
      mutex.run(async () => {
        if (closed) return;
        closed = true;
        ahead.clear();
        feed.close();
        closeMarker(db);
        db.close();
      }),
  };
}
