/**
 * The PostgreSQL ServerStore (production; many server instances share one database) on a
 * `pg.Pool`. Pulls follow commit order through the xid watermark (decision 0005).
 */
import type { SchemaDef } from '@syncline/core';
import { SynclineError } from '@syncline/core';
import pg from 'pg';
import { assertMigrated, missingForSchema } from '../migration-check.ts';
import { sqlReads } from '../sql-dialect.ts';
import type { ServerStore, SqlDb } from '../types.ts';
import type { PgNames } from './ddl.ts';
import { pgNames } from './ddl.ts';
import type { RetryOptions } from './errors.ts';
import { asUnavailable, describeConnectionError, pgTarget, withRetry } from './errors.ts';
import { postgresChangeFeed } from './feed.ts';
import { collectGarbage } from './gc.ts';
import { bumpGeneration, type WatermarkLag, watermarkLag } from './history.ts';
import { migratePostgres } from './migrate.ts';
import { pullPage } from './pull.ts';
import { pgTypes, rowToRecord, rowToStored, sqlAssignments } from './records.ts';
import { checkPgSchema, pgDialect, toDollarParams } from './sql.ts';
import type { IdKeys, TxState } from './write-tx.ts';
import { createWriteTx } from './write-tx.ts';

export type { WatermarkLag } from './history.ts';

/** Options of {@link createPostgresStore}. */
export interface PostgresStoreOptions {
  /** e.g. `postgres://user:pass@host:5432/app`. */
  connectionString: string;
  schema: SchemaDef;
  /** The PostgreSQL schema (namespace) holding the tables; default `public`. Created if absent. */
  pgSchema?: string;
  /**
   * The scope column per collection (as in the rules' `scope`). Optional: without it every text
   * column counts as a possible scope column, so changing any text column leaves a gone-marker.
   * With it, only the scope column does, and pulls get a (scope, _txid, id) index.
   */
  scopeColumns?: Readonly<Record<string, string | readonly string[]>>;
  pool?: {
    /** Connections (default 10). */
    max?: number;
    /** Close idle connections after this many ms (default 30000). */
    idleTimeoutMs?: number;
    /** Give up waiting for a connection after this many ms (default 10000): answered as 503. */
    connectionTimeoutMs?: number;
  };
  /** Statement timeout inside pulls, in ms (default 30000). */
  pullTimeoutMs?: number;
  /**
   * Ends a session whose transaction sits idle this long, in ms (default 60000). An open writing
   * transaction holds back every pull in the cluster (the watermark waits for it), so a stuck
   * request must not keep one open forever. 0 disables.
   */
  idleInTransactionTimeoutMs?: number;
  /** Retry policy of write transactions on serialization failures and deadlocks. */
  retry?: RetryOptions;
  /** Errors of idle pooled connections (the database restarted, a network blip). */
  onError?: (err: Error) => void;
  /**
   * How often the change feed (realtime pokes) tails the tables, in ms (default 50): one
   * statement per interval per server instance, whatever the number of sockets, and only while
   * someone subscribes. A poke waits for the xid watermark, so it never arrives before the pull
   * it causes can see the change (decision 0013).
   */
  changeFeedIntervalMs?: number;
}

/** The store plus PostgreSQL-only operations. */
export interface PostgresStore extends ServerStore {
  readonly kind: 'postgres';
  /** The pool, for the app's own SQL. Tables live in `pgSchema`. */
  readonly pool: pg.Pool;
  /** How far the xid watermark trails; a growing value means a long or orphaned transaction. */
  watermarkLag(): Promise<WatermarkLag>;
  /**
   * Starts a new database generation: every client position becomes invalid and answers `reset`.
   * Run it after restoring a backup or promoting a replica (transaction ids may repeat).
   */
  bumpGeneration(): Promise<string>;
  subscribe: NonNullable<ServerStore['subscribe']>;
  clientUser: NonNullable<ServerStore['clientUser']>;
}

/** The request's connection died mid-transaction: whether COMMIT happened is unknown, so retry (exactly once by seq). */
function connectionLost(died: Error, err: unknown): SynclineError {
  return new SynclineError('unavailable', 'The connection to the database was lost. Try again in a moment.', {
    cause: err instanceof Error ? err : died,
    status: 503,
    retryable: true,
  });
}

/**
 * Opens a pool on a PostgreSQL database for the sync server. Call `migrate()` before serving.
 *
 * @example
 * const store = createPostgresStore({ connectionString: process.env.DATABASE_URL!, schema, scopeColumns: { tasks: 'listId' } });
 * await store.migrate();
 */
export function createPostgresStore(options: PostgresStoreOptions): PostgresStore {
  const { schema } = options;
  const n: PgNames = pgNames(checkPgSchema(options.pgSchema ?? 'public'));
  const target = pgTarget(options.connectionString);
  /** An outage as a 503; a connection or sign-in failure says which server and what to fix. */
  const unavailable = (err: unknown) => describeConnectionError(err, target) ?? asUnavailable(err);
  const idleTx = Math.max(0, Math.floor(options.idleInTransactionTimeoutMs ?? 60_000));
  const pullTimeout = Math.max(1, Math.floor(options.pullTimeoutMs ?? 30_000));
  const pool = new pg.Pool({
    connectionString: options.connectionString,
    max: options.pool?.max ?? 10,
    idleTimeoutMillis: options.pool?.idleTimeoutMs ?? 30_000,
    connectionTimeoutMillis: options.pool?.connectionTimeoutMs ?? 10_000,
    // Rules and the app's SQL name tables without a schema; `public` stays reachable for extensions.
    options: `-c search_path=${n.schema},public -c idle_in_transaction_session_timeout=${idleTx}`,
    types: pgTypes,
    application_name: 'syncline',
  });
  // Without a listener an idle connection's error would crash the process.
  pool.on('error', (err) => options.onError?.(err));
  let closed = false;
  const idKeys: IdKeys = new Map();
  const feed = postgresChangeFeed({ pool, n, schema, intervalMs: options.changeFeedIntervalMs ?? 50 });

  function ensureOpen(): void {
    if (closed) throw new SynclineError('closed', 'The PostgreSQL store is closed.');
  }

  /**
   * Runs fn on one connection inside BEGIN…COMMIT; a failed ROLLBACK discards the connection.
   * With `begin` null, fn sends BEGIN itself (with its first statement) and `began` tells whether
   * it did: a transaction that never began needs no COMMIT.
   */
  async function transaction<T>(
    begin: string | null,
    fn: (client: pg.PoolClient) => Promise<T>,
    began: () => boolean = () => true,
  ): Promise<T> {
    ensureOpen();
    let client: pg.PoolClient;
    try {
      client = await pool.connect();
    } catch (err) {
      throw unavailable(err);
    }
    let broken: Error | undefined;
    // pg-pool drops its own error listener while a client is checked out: without this one, a
    // backend that dies between two queries (pg_terminate_backend, a failover, a proxy restart,
    // idle_in_transaction_session_timeout) emits an unhandled 'error' that ends the process.
    // The client is then released as broken, so the pool opens a fresh connection next time.
    let died: Error | undefined;
    const onDeath = (err: Error) => {
      died ??= err;
      options.onError?.(err);
    };
    client.on('error', onDeath);
    try {
      if (begin !== null) await client.query(begin);
      const out = await fn(client);
      if (!began()) return out;
      const res = await client.query('COMMIT');
      // COMMIT of a transaction that an error aborted silently rolls back: never report that as success.
      if (res.command !== 'COMMIT')
        throw new SynclineError('storage', 'The transaction was rolled back by an earlier error.');
      return out;
    } catch (err) {
      if (died === undefined && began()) {
        try {
          await client.query('ROLLBACK');
        } catch (rollbackErr) {
          broken = rollbackErr as Error;
        }
      }
      // Whatever the query in flight made of it, a dead connection is an outage: 503, retry.
      throw died === undefined ? err : connectionLost(died, err);
    } finally {
      client.off('error', onDeath);
      client.release(died ?? broken);
    }
  }

  const sqlDb: SqlDb = {
    all: async <R>(sql: string, params?: readonly unknown[]) => {
      ensureOpen();
      try {
        return (await pool.query(toDollarParams(sql), (params ?? []) as unknown[])).rows as R[];
      } catch (err) {
        throw unavailable(err);
      }
    },
  };

  const reads = sqlReads({
    dialect: pgDialect(n),
    schema,
    run: async (sql, params) => {
      ensureOpen();
      try {
        return (await pool.query(sql, params as unknown[])).rows;
      } catch (err) {
        throw unavailable(err);
      }
    },
    rows: { rowToRecord, rowToStored, sqlAssignments },
  });

  return {
    kind: 'postgres',
    pool,
    migrate: () =>
      transaction('BEGIN', (client) => migratePostgres(client, n, schema, options.scopeColumns ?? {})).then(
        () => undefined,
      ),

    write: (fn) =>
      withRetry(() => {
        let tx: ReturnType<typeof createWriteTx> | undefined;
        return transaction(
          null,
          // READ COMMITTED is enough: every read a decision rests on locks its row (see write-tx.ts).
          // BEGIN travels with the transaction's first statement.
          async (client) => {
            const state: TxState = { retryError: undefined };
            tx = createWriteTx(client, n, schema, state, idKeys, 'BEGIN');
            let out: Awaited<ReturnType<typeof fn>>;
            try {
              out = await fn(tx);
            } catch (err) {
              // Whatever fn made of a deadlock it swallowed, the cure is to run it all again.
              throw state.retryError ?? err;
            }
            // A deadlock swallowed by a savepoint left a half-done transaction: run it all again.
            if (state.retryError !== undefined) throw state.retryError;
            return out;
          },
          () => tx?.began() ?? false,
        );
      }, options.retry),

    read: async (fn) => {
      ensureOpen();
      return fn(sqlDb);
    },

    async check() {
      const rows = await sqlDb.all<{ table_name: string; column_name: string }>(
        'SELECT table_name, column_name FROM information_schema.columns WHERE table_schema = ?',
        [n.schema],
      );
      const columns = new Map<string, Set<string>>();
      for (const row of rows) {
        const set = columns.get(row.table_name) ?? new Set<string>();
        set.add(row.column_name);
        columns.set(row.table_name, set);
      }
      const meta =
        columns.has('syncline_meta') &&
        (await sqlDb.all(`SELECT 1 FROM ${n.meta} WHERE key = 'generation'`)).length > 0;
      assertMigrated('PostgreSQL', missingForSchema(schema, columns, meta));
    },

    records: async (collection, ids) => {
      ensureOpen();
      return reads.records(collection, ids);
    },

    pull: async (request) => {
      try {
        // Read only, so the pull takes no xid and never holds back anyone's watermark.
        return await transaction('BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY', async (client) => {
          await client.query(`SET LOCAL statement_timeout = ${pullTimeout}`);
          return pullPage(client, n, schema, request, options.scopeColumns);
        });
      } catch (err) {
        throw unavailable(err);
      }
    },

    gc: async (olderThanMs) => {
      try {
        return await transaction('BEGIN', (client) => collectGarbage(client, n, schema, olderThanMs));
      } catch (err) {
        throw unavailable(err);
      }
    },

    watermarkLag: async () => {
      ensureOpen();
      return watermarkLag(pool);
    },

    bumpGeneration: () => bumpGeneration(sqlDb, n),

    subscribe: feed.subscribe,

    clientUser: reads.clientUser,

    async close() {
      if (closed) return;
      closed = true;
      feed.close();
      await pool.end();
    },
  };
}
