/**
 * The WriteTx of one PostgreSQL write transaction (READ COMMITTED, see decision 0005): every read
 * that a write decision depends on takes a row lock (`FOR UPDATE`), so a concurrent writer waits
 * for us rather than slipping in between a check and the write. The statements both SQL stores
 * share come from ../sql-dialect.ts; the batch statements (one per push) are PostgreSQL's own.
 */
import type { SchemaDef, WireRecord } from '@syncline/core';
import { SynclineError } from '@syncline/core';
import { toSnake } from '@syncline/core/internal';
import type pg from 'pg';
import { collectionOf, sqlWriteTx } from '../sql-dialect.ts';
import type { Row } from '../sql-rows.ts';
import { q, selectList } from '../sql-rows.ts';
import type { WriteTx } from '../types.ts';
import type { PgNames } from './ddl.ts';
import { ConcurrentInsert, isRetryableTxError, StaleStatement } from './errors.ts';
import { rowToRecord, rowToStored, sqlAssignments, valuesToRecord } from './records.ts';
import { pgDialect, toDollarParams } from './sql.ts';
import { byColumns, isStalePlan, literal, prepared, recordsetColumns, statementName } from './statements.ts';

/** What the transaction learned while fn ran. */
export interface TxState {
  /**
   * A serialization failure or deadlock seen by any statement. The caller (e.g. a savepoint in the
   * push handler) may have caught it and turned it into a rejection; the transaction must then be
   * retried as a whole instead of committed.
   */
  retryError: unknown;
}

/**
 * Per table (snake_case name), the unique indexes on exactly its `id` column (the primary key,
 * whatever its name): a unique violation of one of them means the id is taken. Read from the
 * catalog once per table and process, by the first transaction that inserts into it; kept by the
 * store.
 */
export type IdKeys = Map<string, Promise<ReadonlySet<string>>>;

/**
 * How a statement is sent: `simple` has no parameters (it can carry the statements waiting before
 * it in one round trip), `read` is one of the store's own SELECTs (row reads and locks that no
 * `updated_by` can change), `write` anything else.
 */
type Kind = 'simple' | 'read' | 'write';

/** The write transaction; its first statement of any kind sends `begin` too (`began` tells if it did). */
export function createWriteTx(
  client: pg.PoolClient,
  n: PgNames,
  schema: SchemaDef,
  state: TxState,
  idKeys: IdKeys,
  begin = 'BEGIN',
): Required<WriteTx> & { began(): boolean } {
  // Statements without parameters wait here and travel with the next statement, saving a round
  // trip each: BEGIN (before anything), the RELEASE of a savepoint that returned (see
  // `savepoint`; COMMIT ends it as well), and writeAs's set_config (before anything that may
  // write; the store's own reads can go first).
  let pendingBegin: string | undefined = begin;
  let pendingRelease: string | undefined;
  let pendingUser: string | undefined;

  function takeWaiting(kind: Kind): string[] {
    const out: string[] = [];
    if (pendingBegin !== undefined) out.push(pendingBegin);
    pendingBegin = undefined;
    if (kind === 'simple' && pendingRelease !== undefined) {
      out.push(`RELEASE SAVEPOINT ${pendingRelease}`);
      pendingRelease = undefined;
    }
    if (kind !== 'read' && pendingUser !== undefined) {
      out.push(pendingUser);
      pendingUser = undefined;
    }
    return out;
  }

  async function send<R>(config: pg.QueryConfig, kind: Kind): Promise<pg.QueryResult<R & Row>> {
    try {
      const waiting = takeWaiting(kind);
      if (waiting.length === 0) return await client.query<R & Row>(config);
      if (kind !== 'simple') {
        await client.query(waiting.join('; '));
        return await client.query<R & Row>(config);
      }
      // One simple query of several statements answers one result each: this one's is the last.
      const results = (await client.query({ ...config, text: `${waiting.join('; ')}; ${config.text}` })) as
        | pg.QueryResult<R & Row>
        | Array<pg.QueryResult<R & Row>>;
      return Array.isArray(results) ? results[results.length - 1]! : results;
    } catch (err) {
      if (isRetryableTxError(err)) state.retryError ??= err;
      if (config.name !== undefined && isStalePlan(err)) {
        // Every connection has the old plan: new names make each parse the statement again.
        if (prepared.names.get(config.text) === config.name) {
          prepared.names.clear();
          prepared.round++;
        }
        state.retryError ??= new StaleStatement(String((err as Error).message), { cause: err });
      }
      throw err;
    }
  }

  /**
   * Runs one of the store's own statements (named, see {@link statementName}, when it has
   * parameters). Its SELECTs only read and lock rows.
   */
  async function query<R extends Row = Row>(sql: string, params: readonly unknown[] = []): Promise<R[]> {
    const name = params.length > 0 ? statementName(sql) : undefined;
    const kind: Kind = params.length === 0 ? 'simple' : sql.startsWith('SELECT ') ? 'read' : 'write';
    return (await send<R>({ text: sql, values: params as unknown[], ...(name && { name }) }, kind)).rows;
  }

  /** As `query` for a write, with the rows as arrays (in `selectList` order: no keyed row per record). */
  async function arrays(sql: string, params: readonly unknown[]): Promise<unknown[][]> {
    const name = statementName(sql);
    const config = { text: sql, values: params as unknown[], rowMode: 'array', ...(name && { name }) };
    return (await send(config as pg.QueryConfig, 'write')).rows as unknown as unknown[][];
  }

  /** The unique indexes on exactly the id of `table` (see {@link IdKeys}). */
  function idKeysOf(table: string): Promise<ReadonlySet<string>> {
    let keys = idKeys.get(table);
    if (!keys) {
      keys = query<{ name: string }>(
        `SELECT c.relname AS name FROM pg_index i
           JOIN pg_class c ON c.oid = i.indexrelid
           JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = i.indkey[0]
          WHERE i.indrelid = $1::regclass AND i.indisunique AND i.indnatts = 1
            AND i.indpred IS NULL AND a.attname = 'id'`,
        [`${q(n.schema)}.${q(table)}`],
      ).then((rows) => new Set(rows.map((r) => r.name)));
      idKeys.set(table, keys);
      keys.catch(() => idKeys.delete(table));
    }
    return keys;
  }

  /** Whether `err` is a unique violation of an id key of `table`: its id is taken. */
  function idTaken(err: unknown, table: string, keys: ReadonlySet<string>): boolean {
    const e = err as { code?: unknown; schema?: unknown; table?: unknown; constraint?: unknown } | null;
    return (
      e?.code === '23505' &&
      e.schema === n.schema &&
      e.table === table &&
      typeof e.constraint === 'string' &&
      keys.has(e.constraint)
    );
  }

  /** The caller saw the id free; a concurrent transaction took it and committed meanwhile. */
  function taken(name: string, id: string): never {
    // Even if a savepoint swallows this, the whole transaction runs again and sees the row.
    const err = new ConcurrentInsert(
      `Record "${id}" in "${name}" was created by another write at the same time.`,
    );
    state.retryError ??= err;
    throw err;
  }

  const shared = sqlWriteTx({
    dialect: pgDialect(n),
    schema,
    run: query,
    rows: { rowToRecord, rowToStored, sqlAssignments },
    taken,
  });

  let savepoints = 0;

  return {
    ...shared,

    async savepoint(fn) {
      const name = `sl_sp_${++savepoints}`;
      // A savepoint that returned stays open until the next statement without parameters (this
      // SAVEPOINT, a ROLLBACK TO, COMMIT) releases it: one round trip less per savepoint. The
      // statements run meanwhile belong to it and commit with the transaction just the same;
      // any ROLLBACK TO an enclosing savepoint undoes it with them, as it would after a RELEASE.
      // At most one is pending, so it costs at most one more subtransaction id.
      await send({ text: `SAVEPOINT ${name}` }, 'simple');
      try {
        const out = await fn();
        // Releasing it later also releases any savepoint pending inside it.
        pendingRelease = name;
        return out;
      } catch (err) {
        // Rolling back to it destroys any savepoint pending inside it.
        pendingRelease = undefined;
        await send({ text: `ROLLBACK TO SAVEPOINT ${name}; RELEASE SAVEPOINT ${name}` }, 'simple');
        throw err;
      }
    },

    async insertRecords(name, records) {
      const col = collectionOf(schema, name);
      const out = new Map<string, WireRecord>();
      const t = n.table(name);
      const table = toSnake(col.name);
      const keys = await idKeysOf(table);
      // One INSERT … SELECT FROM jsonb_to_recordset per column set (a column left out gets its
      // default): the stamp trigger still runs once per row, so every row has its own version.
      // No ON CONFLICT: the caller saw every id free, so a taken one is a concurrent insert,
      // which the unique violation says (speculative insertion costs every row).
      for (const [names, rows] of byColumns(col, records, (r) => r.data)) {
        const cols = ['id', ...names.map(q)].join(', ');
        let got: unknown[][];
        try {
          got = await arrays(
            `INSERT INTO ${t} (${cols}) SELECT ${cols}
             FROM jsonb_to_recordset($1::jsonb) AS _sl_v(${recordsetColumns(col, names)})
             RETURNING ${selectList(col)}`,
            [JSON.stringify(rows)],
          );
        } catch (err) {
          if (idTaken(err, table, keys)) {
            const id = /\(id\)=\((.*)\)/s.exec(String((err as { detail?: unknown }).detail))?.[1];
            taken(name, id ?? String(rows[0]!.id));
          }
          throw err;
        }
        for (const values of got) {
          const record = valuesToRecord(col, values);
          out.set(record.id, record);
        }
      }
      const missing = records.find((r) => !out.has(r.id));
      if (missing) throw new SynclineError('not_found', `No record "${missing.id}" in "${name}".`);
      return out;
    },

    // Raw SQL of rules and the app: never named (its texts are not the store's to count).
    all: async <R = Row>(sql: string, params?: readonly unknown[]) =>
      (await send({ text: toDollarParams(sql), values: (params ?? []) as unknown[] }, 'write')).rows as R[],

    began: () => pendingBegin === undefined,

    async lockClient(clientId, userId) {
      const id = literal(clientId);
      const user = literal(userId);
      // BEGIN still waits (this is the first statement): the two travel together, so the values go
      // in as literals.
      if (pendingBegin === undefined || id === null || user === null)
        return shared.lockClient(clientId, userId);
      const [row] = (
        await send(
          {
            text: `INSERT INTO ${n.clients} AS _sl_c (client_id, user_id, last_seq) VALUES (${id}, ${user}, 0)
                   ON CONFLICT (client_id) DO UPDATE SET user_id = _sl_c.user_id RETURNING user_id, last_seq`,
          },
          'simple',
        )
      ).rows;
      if (!row) throw new SynclineError('internal', `Client "${clientId}" vanished while being locked.`);
      return { userId: String(row.user_id), lastSeq: Number(row.last_seq) };
    },

    async updateRecords(name, records) {
      const col = collectionOf(schema, name);
      const out = new Map<string, WireRecord>();
      const t = n.table(name);
      // One UPDATE … FROM jsonb_to_recordset per column set: the stamp trigger still runs once
      // per row, so every row keeps its own version; one round trip instead of one per record.
      for (const [names, rows] of byColumns(col, records, (r) => r.patch)) {
        const ids = rows.map((r) => r.id as string);
        const found =
          names.length === 0
            ? await arrays(`SELECT ${selectList(col)} FROM ${t} WHERE id = ANY($1::text[])`, [ids])
            : await arrays(
                `UPDATE ${t} AS _sl_t SET ${names.map((c) => `${q(c)} = _sl_v.${q(c)}`).join(', ')}
                 FROM jsonb_to_recordset($1::jsonb) AS _sl_v(${recordsetColumns(col, names)})
                 WHERE _sl_t.id = _sl_v.id RETURNING ${selectList(col, '_sl_t')}`,
                [JSON.stringify(rows)],
              );
        for (const values of found) {
          const record = valuesToRecord(col, values);
          out.set(record.id, record);
        }
      }
      const missing = records.find((r) => !out.has(r.id));
      if (missing) throw new SynclineError('not_found', `No record "${missing.id}" in "${name}".`);
      return out;
    },

    async recordPush(clientId, results, lastSeq, keepFromSeq) {
      // One statement instead of three round trips. Its parts share one snapshot, so the DELETE
      // cannot see the rows the INSERT adds: results below keepFromSeq are not inserted at all,
      // which leaves what saving them and then pruning would.
      await query(
        `WITH saved AS (
           INSERT INTO ${n.outcomes} (client_id, seq, result)
           SELECT $1, (e->>'seq')::bigint, e FROM jsonb_array_elements($2::jsonb) AS e
           WHERE (e->>'seq')::bigint >= $4
           ON CONFLICT (client_id, seq) DO UPDATE SET result = excluded.result
         ), advanced AS (
           UPDATE ${n.clients} SET last_seq = $3 WHERE client_id = $1
         )
         DELETE FROM ${n.outcomes} WHERE client_id = $1 AND seq < $4`,
        [clientId, JSON.stringify(results), lastSeq, keepFromSeq],
      );
    },

    async writeAs(userId) {
      // Transaction-local (is_local): gone at commit or rollback, so no other writer inherits it.
      // It waits for the next statement that may write (see takeWaiting).
      const user = literal(userId);
      pendingUser = undefined;
      if (user === null) await query("SELECT set_config('syncline.user_id', $1, true) AS _sl_u", [userId]);
      else pendingUser = `SELECT set_config('syncline.user_id', ${user}, true)`;
    },
  };
}
