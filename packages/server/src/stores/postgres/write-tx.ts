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
import { type PgNames, SQL_TYPE } from './ddl.ts';
import { ConcurrentInsert, isRetryableTxError } from './errors.ts';
import { rowToRecord, rowToStored, sqlAssignments } from './records.ts';
import { pgDialect, toDollarParams } from './sql.ts';

/** What the transaction learned while fn ran. */
export interface TxState {
  /**
   * A serialization failure or deadlock seen by any statement. The caller (e.g. a savepoint in the
   * push handler) may have caught it and turned it into a rejection; the transaction must then be
   * retried as a whole instead of committed.
   */
  retryError: unknown;
}

export function createWriteTx(
  client: pg.PoolClient,
  n: PgNames,
  schema: SchemaDef,
  state: TxState,
): Required<WriteTx> {
  async function query<R extends Row = Row>(sql: string, params: readonly unknown[] = []): Promise<R[]> {
    try {
      return (await client.query<R>(sql, params as unknown[])).rows;
    } catch (err) {
      if (isRetryableTxError(err)) state.retryError ??= err;
      throw err;
    }
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

  return {
    ...shared,

    all: async <R = Row>(sql: string, params?: readonly unknown[]) =>
      (await query(toDollarParams(sql), params ?? [])) as R[],

    async updateRecords(name, records) {
      const col = collectionOf(schema, name);
      const out = new Map<string, WireRecord>();
      // One UPDATE … FROM jsonb_to_recordset per column set: the stamp trigger still runs once
      // per row, so every row keeps its own version; one round trip instead of one per record.
      const groups = new Map<string, Array<Record<string, unknown>>>();
      for (const r of records) {
        const row: Record<string, unknown> = { id: r.id };
        for (const [k, v] of Object.entries(r.patch)) {
          // json columns travel as JSON values here (jsonb_to_recordset reads them as jsonb).
          if (Object.hasOwn(col.columns, k) && v !== undefined) row[toSnake(k)] = v;
        }
        const key = Object.keys(row).join(',');
        const group = groups.get(key) ?? [];
        groups.set(key, group);
        group.push(row);
      }
      const t = n.table(name);
      for (const [key, rows] of groups) {
        const names = key.split(',').slice(1);
        const ids = rows.map((r) => r.id as string);
        const found =
          names.length === 0
            ? await query(`SELECT ${selectList(col)} FROM ${t} WHERE id = ANY($1::text[])`, [ids])
            : await query(
                `UPDATE ${t} AS _sl_t SET ${names.map((c) => `${q(c)} = _sl_v.${q(c)}`).join(', ')}
                 FROM jsonb_to_recordset($1::jsonb) AS _sl_v(id text, ${names
                   .map((c) => `${q(c)} ${SQL_TYPE[columnKind(col, c)]}`)
                   .join(', ')})
                 WHERE _sl_t.id = _sl_v.id RETURNING ${selectList(col, '_sl_t')}`,
                [JSON.stringify(rows)],
              );
        for (const row of found) out.set(String(row.id), rowToRecord(col, row));
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
      await query("SELECT set_config('syncline.user_id', $1, true)", [userId]);
    },
  };
}

/** The kind of a collection column named by its snake_case name. */
function columnKind(col: Parameters<typeof selectList>[0], snake: string) {
  const name = Object.keys(col.columns).find((c) => toSnake(c) === snake)!;
  return col.columns[name]!.kind;
}
