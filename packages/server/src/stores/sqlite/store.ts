/**
 * The SQLite ServerStore (embedded default) on better-sqlite3: one connection, WAL,
 * `synchronous=NORMAL`, every use serialised through an async mutex.
 */

import { randomBytes } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import type { CollectionDef, MutationResult, SchemaDef, WireRecord } from '@syncline/core';
import { SynclineError } from '@syncline/core';
import { getCollection, Mutex, toSnake } from '@syncline/core/internal';
import Database from 'better-sqlite3';
import { assertMigrated, missingForSchema } from '../migration-check.ts';
import type { ClientState, ServerStore, SqlDb, StoredRecord, WriteTx } from '../types.ts';
import { NOW_SQL, q } from './ddl.ts';
import { sqliteChangeFeed } from './feed.ts';
import { detectRestore, markerPath, openEpoch, writeMarker } from './history.ts';
import { migrateSqlite } from './migrate.ts';
import { pullPage } from './pull.ts';
import { rowToRecord, rowToStored, selectList, sqlAssignments, toSqlParam } from './records.ts';

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
  let savepoints = 0;
  /** Whether this transaction set `_syncline_writer`, which must be emptied before it commits. */
  let attributed = false;

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

  const sqlDb: SqlDb = { all: async (sql, params) => all(sql, params) };

  function collection(name: string): CollectionDef {
    const col = getCollection(schema, name);
    if (!col) throw new SynclineError('invalid', `Unknown collection "${name}".`);
    return col;
  }

  function getStored(name: string, id: string): StoredRecord | null {
    const col = collection(name);
    const row = prepare(`SELECT ${selectList(col)}, _fv FROM ${q(toSnake(name))} WHERE id = ?`).get(id) as
      | Record<string, unknown>
      | undefined;
    return row ? rowToStored(col, row) : null;
  }

  function mustGet(name: string, id: string): WireRecord {
    const stored = getStored(name, id);
    if (!stored) throw new SynclineError('not_found', `No record "${id}" in "${name}".`);
    return stored.record;
  }

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

  const tx: WriteTx = {
    all: sqlDb.all,
    async savepoint(fn) {
      const name = `sl_sp_${++savepoints}`;
      db.exec(`SAVEPOINT ${name}`);
      try {
        const out = await fn();
        db.exec(`RELEASE ${name}`);
        return out;
      } catch (err) {
        db.exec(`ROLLBACK TO ${name}`);
        db.exec(`RELEASE ${name}`);
        throw err;
      }
    },
    async lockClient(clientId, userId): Promise<ClientState> {
      // The write transaction already holds SQLite's single write lock: the row needs no lock of its own.
      prepare('INSERT OR IGNORE INTO _syncline_clients (client_id, user_id, last_seq) VALUES (?, ?, 0)').run(
        clientId,
        userId,
      );
      const row = prepare('SELECT user_id, last_seq FROM _syncline_clients WHERE client_id = ?').get(
        clientId,
      ) as {
        user_id: string;
        last_seq: number;
      };
      return { userId: row.user_id, lastSeq: row.last_seq };
    },
    async setLastSeq(clientId, seq) {
      prepare('UPDATE _syncline_clients SET last_seq = ? WHERE client_id = ?').run(seq, clientId);
    },
    async writeAs(userId) {
      prepare('INSERT OR REPLACE INTO _syncline_writer (id, user_id) VALUES (1, ?)').run(userId);
      attributed = true;
    },
    async getOutcomes(clientId, seqs) {
      const out = new Map<number, MutationResult>();
      if (seqs.length === 0) return out;
      const rows = prepare(
        'SELECT seq, result FROM _syncline_outcomes WHERE client_id = ? AND seq IN (SELECT value FROM json_each(?))',
      ).all(clientId, JSON.stringify(seqs)) as Array<{ seq: number; result: string }>;
      for (const r of rows) out.set(r.seq, JSON.parse(r.result) as MutationResult);
      return out;
    },
    async saveOutcome(clientId, seq, result) {
      prepare('INSERT OR REPLACE INTO _syncline_outcomes (client_id, seq, result) VALUES (?, ?, ?)').run(
        clientId,
        seq,
        JSON.stringify(result),
      );
    },
    async pruneOutcomes(clientId, belowSeq) {
      prepare('DELETE FROM _syncline_outcomes WHERE client_id = ? AND seq < ?').run(clientId, belowSeq);
    },
    async getRecord(name, id) {
      return getStored(name, id);
    },
    async insertRecord(name, id, data) {
      const pairs = sqlAssignments(collection(name), data);
      const cols = ['id', ...pairs.map(([c]) => q(c))].join(', ');
      const marks = ['?', ...pairs.map(() => '?')].join(', ');
      prepare(`INSERT INTO ${q(toSnake(name))} (${cols}) VALUES (${marks})`).run(
        id,
        ...pairs.map(([, v]) => v),
      );
      return mustGet(name, id);
    },
    async updateRecord(name, id, patch) {
      const pairs = sqlAssignments(collection(name), patch);
      if (pairs.length > 0) {
        const set = pairs.map(([c]) => `${q(c)} = ?`).join(', ');
        prepare(`UPDATE ${q(toSnake(name))} SET ${set} WHERE id = ?`).run(...pairs.map(([, v]) => v), id);
      }
      return mustGet(name, id);
    },
    async softDelete(name, id) {
      collection(name);
      prepare(
        `UPDATE ${q(toSnake(name))} SET deleted_at = ${NOW_SQL} WHERE id = ? AND deleted_at IS NULL`,
      ).run(id);
      return mustGet(name, id);
    },
  };

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
        attributed = false;
        try {
          const out = await fn(tx);
          // Never committed: other connections (plain SQL) must see no writer, so they write NULL.
          if (attributed) prepare('DELETE FROM _syncline_writer').run();
          attributed = false;
          db.exec('COMMIT');
          writeMarker(marker, db, epoch!);
          feed.afterCommit();
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
        const col = getCollection(schema, collection);
        if (!col) throw new SynclineError('invalid', `Unknown collection "${collection}".`);
        const rows = db
          .prepare(
            `SELECT ${selectList(col)} FROM ${q(toSnake(col.name))} WHERE id IN (SELECT value FROM json_each(?))`,
          )
          .all(JSON.stringify(ids)) as Array<Record<string, unknown>>;
        return rows.map((row) => rowToRecord(col, row));
      }),
    pull: (request) =>
      mutex.run(async () => {
        ensureOpen();
        ensureEpoch();
        // One read transaction: rows, gone-markers, the counter, generation and epochs from one snapshot.
        return busyAsUnavailable(() =>
          db.transaction(() => pullPage(db, schema, currentGeneration(), request)).deferred(),
        );
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
        const row = prepare('SELECT user_id FROM _syncline_clients WHERE client_id = ?').get(clientId) as
          | { user_id: string }
          | undefined;
        return row?.user_id ?? null;
      }),
    close: () =>
      mutex.run(async () => {
        if (closed) return;
        closed = true;
        feed.close();
        db.close();
      }),
  };
}

/** Opens the file (creating its directory), or throws an error that names the absolute path. */
function openFile(path: string): Database.Database {
  const inMemory = path === '' || path === ':memory:' || path.startsWith('file::memory:');
  const abs = inMemory ? path : resolve(path);
  try {
    if (!inMemory) mkdirSync(dirname(abs), { recursive: true });
    return new Database(path);
  } catch (error) {
    const detail = error instanceof Error ? error.message : String(error);
    throw new SynclineError(
      'storage',
      `Could not open the SQLite database ${abs}: ${detail}. Check that the path is right and that this process may write to its directory.`,
      { cause: error },
    );
  }
}

/**
 * Another connection holding the write lock past busy_timeout is an outage of the database, not a
 * bug: answer 503 so clients retry with backoff.
 */
function busyAsUnavailable<T>(fn: () => T): T {
  try {
    return fn();
  } catch (err) {
    const code = (err as { code?: unknown }).code;
    if (typeof code === 'string' && (code.startsWith('SQLITE_BUSY') || code.startsWith('SQLITE_LOCKED'))) {
      throw new SynclineError('unavailable', 'The database is busy. Try again in a moment.', {
        cause: err,
        status: 503,
        retryable: true,
      });
    }
    throw err;
  }
}

/** Deletes tombstones and gone-markers older than `cutoff` and raises each collection's horizon. */
function collectGarbage(db: Database.Database, schema: SchemaDef, cutoff: string): { removed: number } {
  // The flag row keeps the DELETE trigger from turning collected tombstones into new gone-markers;
  // it is never visible to other connections because it is removed before commit.
  db.prepare("INSERT OR REPLACE INTO _syncline_meta (key, value) VALUES ('gc_running', '1')").run();
  let removed = 0;
  for (const col of Object.values(schema.collections)) {
    const table = q(toSnake(col.name));
    const maxRow = db
      .prepare(
        `SELECT MAX(v) AS v FROM (
           SELECT MAX(version) AS v FROM ${table} WHERE deleted_at IS NOT NULL AND deleted_at <= ?
           UNION ALL SELECT MAX(version) FROM _syncline_gone WHERE collection = ? AND deleted_at <= ?)`,
      )
      .get(cutoff, toSnake(col.name), cutoff) as { v: number | null };
    if (maxRow.v === null) continue;
    removed += db
      .prepare(`DELETE FROM ${table} WHERE deleted_at IS NOT NULL AND deleted_at <= ?`)
      .run(cutoff).changes;
    removed += db
      .prepare('DELETE FROM _syncline_gone WHERE collection = ? AND deleted_at <= ?')
      .run(toSnake(col.name), cutoff).changes;
    db.prepare(
      `INSERT INTO _syncline_horizon (collection, version) VALUES (?, ?)
       ON CONFLICT (collection) DO UPDATE SET version = MAX(version, excluded.version)`,
    ).run(col.name, maxRow.v);
  }
  db.prepare("DELETE FROM _syncline_meta WHERE key = 'gc_running'").run();
  return { removed };
}
