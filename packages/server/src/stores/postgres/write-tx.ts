/**
 * The WriteTx of one PostgreSQL write transaction (READ COMMITTED, see decision 0005): every read
 * that a write decision depends on takes a row lock (`FOR UPDATE`), so a concurrent writer waits
 * for us rather than slipping in between a check and the write. The statements both SQL stores
 * share come from ../sql-dialect.ts; the batch statements (one per push) are PostgreSQL's own.
 */
import type { SchemaDef, WireRecord } from '@syncline/core';
import type pg from 'pg';
import { collectionOf, sqlWriteTx } from '../sql-dialect.ts';
import type { Row } from '../sql-rows.ts';
import { selectList } from '../sql-rows.ts';
import type { StoredRecord, WriteTx } from '../types.ts';
import type { PgNames } from './ddl.ts';
import { ConcurrentInsert, isRetryableTxError } from './errors.ts';
import { rowToRecord, rowToStored, sqlAssignments } from './records.ts';
import { pgDialect, q, toDollarParams } from './sql.ts';

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

    async writeAs(userId) {
      // Transaction-local (is_local): gone at commit or rollback, so no other writer inherits it.
      await query("SELECT set_config('syncline.user_id', $1, true)", [userId]);
    },

    async saveOutcomes(clientId, results) {
      if (results.length === 0) return;
      await query(
        `INSERT INTO ${n.outcomes} (client_id, seq, result)
         SELECT $1, u.seq, u.result FROM unnest($2::bigint[], $3::jsonb[]) AS u(seq, result)
         ON CONFLICT (client_id, seq) DO UPDATE SET result = excluded.result`,
        [clientId, results.map((r) => r.seq), results.map((r) => JSON.stringify(r))],
      );
    },

    async getRecords(name, ids) {
      const col = collectionOf(schema, name);
      const out = new Map<string, StoredRecord>();
      if (ids.length === 0) return out;
      // As getRecord: the caller decides on what it reads here, so the rows stay locked until commit.
      const rows = await query(
        `SELECT ${selectList(col)}, _fv FROM ${n.table(name)} WHERE id = ANY($1::text[]) ORDER BY id FOR UPDATE`,
        [[...new Set(ids)]],
      );
      for (const row of rows) out.set(String(row.id), rowToStored(col, row));
      return out;
    },

    async insertRecords(name, rows) {
      const col = collectionOf(schema, name);
      const out = new Map<string, WireRecord>();
      // Rows are grouped by their column set: a missing optional column must get its default, not NULL.
      const groups = new Map<string, Array<{ id: string; pairs: Array<[string, unknown]> }>>();
      for (const r of rows) {
        const pairs = sqlAssignments(col, r.data);
        const key = pairs.map(([c]) => c).join(',');
        groups.set(key, [...(groups.get(key) ?? []), { id: r.id, pairs }]);
      }
      for (const group of groups.values()) {
        const names = group[0]!.pairs.map(([c]) => c);
        const cols = ['id', ...names.map(q)].join(', ');
        // PostgreSQL takes at most 65535 parameters per statement.
        const per = Math.max(1, Math.floor(65_535 / (names.length + 1)));
        for (let at = 0; at < group.length; at += per) {
          const chunk = group.slice(at, at + per);
          const params: unknown[] = [];
          const values = chunk.map((r) => {
            const first = params.push(r.id);
            for (const [, v] of r.pairs) params.push(v);
            return `(${Array.from({ length: names.length + 1 }, (_, i) => `$${first + i}`).join(', ')})`;
          });
          const got = await query(
            `INSERT INTO ${n.table(name)} (${cols}) VALUES ${values.join(', ')} ON CONFLICT (id) DO NOTHING RETURNING ${selectList(col)}`,
            params,
          );
          for (const row of got) out.set(String(row.id), rowToRecord(col, row));
        }
      }
      // As in insertRecord: a concurrent transaction took an id; the whole transaction runs again.
      const missing = rows.find((r) => !out.has(r.id));
      if (missing) taken(name, missing.id);
      return out;
    },
  };
}
