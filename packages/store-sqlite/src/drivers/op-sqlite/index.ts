import type { RunResult, SqliteDriver, SqlRow, SqlValue } from '../../driver.ts';
import { splitStatements } from './split.ts';

/** A value op-sqlite binds or returns (its `Scalar`). */
export type OpSqliteScalar = string | number | boolean | null | ArrayBuffer | ArrayBufferView;

/** What op-sqlite's `execute` resolves to (the fields the driver reads of its `QueryResult`). */
export interface OpSqliteQueryResult {
  insertId?: number;
  rowsAffected: number;
  rows: Array<Record<string, OpSqliteScalar>>;
}

/**
 * The part of op-sqlite's `DB` (from `open({ name })`) the driver uses. Declared here, not
 * imported, so this subpath loads nothing of op-sqlite and type-checks without it installed;
 * op-sqlite's own `DB` is assignable to it.
 *
 * @example
 * import { open } from '@op-engineering/op-sqlite';
 * const db: OpSqliteDatabase = open({ name: 'sync.db' });
 */
export interface OpSqliteDatabase {
  execute(query: string, params?: OpSqliteScalar[]): Promise<OpSqliteQueryResult>;
  transaction(fn: (tx: unknown) => Promise<void>): Promise<void>;
  close(): void;
}

/**
 * Options of {@link opSqliteDriver}.
 *
 * @example
 * opSqliteDriver(db, { busyTimeoutMs: 10_000, closeOnClose: false }); // the app keeps using db
 */
export interface OpSqliteDriverOptions {
  /** How long a statement waits for another connection's lock before SQLITE_BUSY. Default 5000 ms. */
  busyTimeoutMs?: number;
  /** Whether `close()` closes the database. Default true: the driver owns what it is given. */
  closeOnClose?: boolean;
}

/**
 * A `SqliteDriver` over op-sqlite (React Native; JSI, the queries run off the JS thread). Takes the
 * database the app opened, sets the durability the design promises (ARCHITECTURE.md §1.1: WAL with
 * `synchronous=NORMAL`, a busy timeout, foreign keys), and runs each store transaction through
 * `db.transaction()`, so it queues behind (and ahead of) the app's own `db.transaction()` calls
 * on the same database instead of interleaving with them.
 *
 * The app may read the synced tables with plain SQL on the same `db`
 * (`SELECT title FROM tasks WHERE _visible = 1`); write to them only through the Syncline client.
 *
 * @example
 * import { open } from '@op-engineering/op-sqlite';
 * import { createSqliteLocalStore } from '@syncline/store-sqlite';
 * import { opSqliteDriver } from '@syncline/store-sqlite/op-sqlite';
 *
 * const store = createSqliteLocalStore(opSqliteDriver(open({ name: 'sync.db' })));
 */
export function opSqliteDriver(db: OpSqliteDatabase, options: OpSqliteDriverOptions = {}): SqliteDriver {
  const busy = Math.max(0, Math.floor(options.busyTimeoutMs ?? 5000));
  // The pragmas run before the first statement of the store (it awaits every call in order).
  let setup: Promise<void> | null = (async () => {
    await db.execute('PRAGMA journal_mode = WAL');
    await db.execute('PRAGMA synchronous = NORMAL');
    await db.execute(`PRAGMA busy_timeout = ${busy}`);
    await db.execute('PRAGMA foreign_keys = ON');
  })();
  // A failure surfaces at the store's first statement (as a storage error), not as an
  // unhandled rejection before anyone asked.
  setup.catch(() => undefined);
  const ready = async () => {
    if (setup) {
      const pending = setup;
      setup = null;
      await pending;
    }
  };
  const execute = async (sql: string, params: readonly SqlValue[] = []) => {
    await ready();
    return db.execute(sql, params.map(toScalar));
  };

  return {
    async exec(sql: string): Promise<void> {
      // One statement per call: op-sqlite's Node build (better-sqlite3's prepare) refuses a
      // string of several, and the device then runs exactly what the Node build ran.
      for (const statement of splitStatements(sql)) await execute(statement);
    },
    async run(sql: string, params?: readonly SqlValue[]): Promise<RunResult> {
      const result = await execute(sql, params);
      return { changes: result.rowsAffected, lastInsertRowid: result.insertId ?? 0 };
    },
    async all(sql: string, params?: readonly SqlValue[]): Promise<SqlRow[]> {
      const result = await execute(sql, params);
      return result.rows.map(fromRow);
    },
    async transaction<T>(_mode: 'read' | 'write', fn: () => Promise<T>): Promise<T> {
      await ready();
      // op-sqlite's transaction resolves to void: carry the callback's value out by hand. Its BEGIN
      // is deferred; the store is the only writer on this connection, so the write lock is taken
      // at the first write without a competing writer to fail on.
      let result: { value: T } | null = null;
      await db.transaction(async () => {
        result = { value: await fn() };
      });
      return (result as { value: T } | null)!.value;
    },
    async close(): Promise<void> {
      await setup?.catch(() => undefined);
      if (options.closeOnClose !== false) db.close();
    },
  };
}

/** Parameters as op-sqlite binds them: it has no bigint, and rowids the store binds are safe integers. */
function toScalar(value: SqlValue): OpSqliteScalar {
  if (typeof value === 'bigint') {
    if (value > BigInt(Number.MAX_SAFE_INTEGER) || value < BigInt(Number.MIN_SAFE_INTEGER))
      throw new RangeError(
        `op-sqlite cannot bind the integer ${value}: it is outside JavaScript's safe range.`,
      );
    return Number(value);
  }
  return value;
}

/** Rows as the store reads them: blobs arrive as ArrayBuffer, booleans never (SQLite has none). */
function fromRow(row: Record<string, OpSqliteScalar>): SqlRow {
  const out: SqlRow = {};
  for (const [key, value] of Object.entries(row)) {
    if (value instanceof ArrayBuffer) out[key] = new Uint8Array(value);
    else if (ArrayBuffer.isView(value))
      out[key] = new Uint8Array(value.buffer, value.byteOffset, value.byteLength);
    else if (typeof value === 'boolean') out[key] = value ? 1 : 0;
    else out[key] = value;
  }
  return out;
}
