/**
 * The WriteTx of one PostgreSQL write transaction (READ COMMITTED, see decision 0005): every read
 * that a write decision depends on takes a row lock (`FOR UPDATE`), so a concurrent writer waits
 * for us rather than slipping in between a check and the write. The statements both SQL stores
 * share come from ../sql-dialect.ts; the batch statements (one per push) are PostgreSQL's own.
 */
import type { SchemaDef } from '@syncline/core';
import type pg from 'pg';
import { sqlWriteTx } from '../sql-dialect.ts';
import type { Row } from '../sql-rows.ts';
import type { WriteTx } from '../types.ts';
import type { PgNames } from './ddl.ts';
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

    async writeAs(userId) {
      // Transaction-local (is_local): gone at commit or rollback, so no other writer inherits it.
      await query("SELECT set_config('syncline.user_id', $1, true)", [userId]);
    },
  };
}
