/**
 * The WriteTx of one PostgreSQL write transaction (READ COMMITTED, see decision 0005): every read
 * that a write decision depends on takes a row lock (`FOR UPDATE`), so a concurrent writer waits
 * for us rather than slipping in between a check and the write.
 */
import type { CollectionDef, MutationResult, SchemaDef, WireRecord } from '@syncline/core';
import { SynclineError } from '@syncline/core';
import { getCollection } from '@syncline/core/internal';
import type pg from 'pg';
import type { ClientState, StoredRecord, WriteTx } from '../types.ts';
import type { PgNames } from './ddl.ts';
import { NOW_MS } from './ddl.ts';
import { rowToRecord, rowToStored, selectList, sqlAssignments } from './records.ts';
import { ConcurrentInsert, isRetryableTxError } from './retry.ts';
import { q, toDollarParams } from './sql.ts';

type Row = Record<string, unknown>;

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
  let savepoints = 0;

  async function query<R extends Row = Row>(sql: string, params: readonly unknown[] = []): Promise<R[]> {
    try {
      return (await client.query<R>(sql, params as unknown[])).rows;
    } catch (err) {
      if (isRetryableTxError(err)) state.retryError ??= err;
      throw err;
    }
  }

  function collection(name: string): CollectionDef {
    const col = getCollection(schema, name);
    if (!col) throw new SynclineError('invalid', `Unknown collection "${name}".`);
    return col;
  }

  function notFound(name: string, id: string): SynclineError {
    return new SynclineError('not_found', `No record "${id}" in "${name}".`);
  }

  async function returning(
    col: CollectionDef,
    sql: string,
    params: unknown[],
    id: string,
  ): Promise<WireRecord> {
    const [row] = await query(sql, params);
    if (!row) throw notFound(col.name, id);
    return rowToRecord(col, row);
  }

  return {
    all: async <R = Row>(sql: string, params?: readonly unknown[]) =>
      (await query(toDollarParams(sql), params ?? [])) as R[],

    async savepoint(fn) {
      const name = `sl_sp_${++savepoints}`;
      await query(`SAVEPOINT ${name}`);
      try {
        const out = await fn();
        await query(`RELEASE SAVEPOINT ${name}`);
        return out;
      } catch (err) {
        await query(`ROLLBACK TO SAVEPOINT ${name}`);
        await query(`RELEASE SAVEPOINT ${name}`);
        throw err;
      }
    },

    async lockClient(clientId, userId): Promise<ClientState> {
      // Create-if-absent, then lock: a concurrent push of the same client blocks on FOR UPDATE
      // until we commit, and (READ COMMITTED) then reads the last_seq we wrote.
      await query(
        `INSERT INTO ${n.clients} (client_id, user_id, last_seq) VALUES ($1, $2, 0) ON CONFLICT (client_id) DO NOTHING`,
        [clientId, userId],
      );
      const [row] = await query<{ user_id: string; last_seq: number }>(
        `SELECT user_id, last_seq FROM ${n.clients} WHERE client_id = $1 FOR UPDATE`,
        [clientId],
      );
      if (!row) throw new SynclineError('internal', `Client "${clientId}" vanished while being locked.`);
      return { userId: row.user_id, lastSeq: Number(row.last_seq) };
    },

    async setLastSeq(clientId, seq) {
      await query(`UPDATE ${n.clients} SET last_seq = $1 WHERE client_id = $2`, [seq, clientId]);
    },

    async writeAs(userId) {
      // Transaction-local (is_local): gone at commit or rollback, so no other writer inherits it.
      await query("SELECT set_config('syncline.user_id', $1, true)", [userId]);
    },

    async getOutcomes(clientId, seqs) {
      const out = new Map<number, MutationResult>();
      if (seqs.length === 0) return out;
      const rows = await query<{ seq: number; result: MutationResult }>(
        `SELECT seq, result FROM ${n.outcomes} WHERE client_id = $1 AND seq = ANY($2::bigint[])`,
        [clientId, seqs],
      );
      for (const r of rows) out.set(Number(r.seq), r.result);
      return out;
    },

    async saveOutcome(clientId, seq, result) {
      await query(
        `INSERT INTO ${n.outcomes} (client_id, seq, result) VALUES ($1, $2, $3::jsonb)
         ON CONFLICT (client_id, seq) DO UPDATE SET result = excluded.result`,
        [clientId, seq, JSON.stringify(result)],
      );
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
      const col = collection(name);
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

    async pruneOutcomes(clientId, belowSeq) {
      await query(`DELETE FROM ${n.outcomes} WHERE client_id = $1 AND seq < $2`, [clientId, belowSeq]);
    },

    async getRecord(name, id): Promise<StoredRecord | null> {
      const col = collection(name);
      // The caller decides conflicts on what it reads here: lock the row until commit.
      const [row] = await query(
        `SELECT ${selectList(col)}, _fv FROM ${n.table(name)} WHERE id = $1 FOR UPDATE`,
        [id],
      );
      return row ? rowToStored(col, row) : null;
    },

    async insertRecord(name, id, data) {
      const col = collection(name);
      const pairs = sqlAssignments(col, data);
      const cols = ['id', ...pairs.map(([c]) => q(c))].join(', ');
      const marks = ['$1', ...pairs.map((_, i) => `$${i + 2}`)].join(', ');
      const [row] = await query(
        `INSERT INTO ${n.table(name)} (${cols}) VALUES (${marks}) ON CONFLICT (id) DO NOTHING RETURNING ${selectList(col)}`,
        [id, ...pairs.map(([, v]) => v)],
      );
      if (!row) {
        // The caller saw the id free; a concurrent transaction took it and committed meanwhile.
        // Even if a savepoint swallows this, the whole transaction runs again and sees the row.
        const err = new ConcurrentInsert(
          `Record "${id}" in "${name}" was created by another write at the same time.`,
        );
        state.retryError ??= err;
        throw err;
      }
      return rowToRecord(col, row);
    },

    async insertRecords(name, rows) {
      const col = collection(name);
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
      const taken = rows.find((r) => !out.has(r.id));
      if (taken) {
        // As in insertRecord: a concurrent transaction took the id; the whole transaction runs again.
        const err = new ConcurrentInsert(
          `Record "${taken.id}" in "${name}" was created by another write at the same time.`,
        );
        state.retryError ??= err;
        throw err;
      }
      return out;
    },

    async updateRecord(name, id, patch) {
      const col = collection(name);
      const pairs = sqlAssignments(col, patch);
      if (pairs.length === 0) {
        const [row] = await query(`SELECT ${selectList(col)} FROM ${n.table(name)} WHERE id = $1`, [id]);
        if (!row) throw notFound(name, id);
        return rowToRecord(col, row);
      }
      const set = pairs.map(([c], i) => `${q(c)} = $${i + 1}`).join(', ');
      return returning(
        col,
        `UPDATE ${n.table(name)} SET ${set} WHERE id = $${pairs.length + 1} RETURNING ${selectList(col)}`,
        [...pairs.map(([, v]) => v), id],
        id,
      );
    },

    async softDelete(name, id) {
      const col = collection(name);
      const [row] = await query(
        `UPDATE ${n.table(name)} SET deleted_at = ${NOW_MS} WHERE id = $1 AND deleted_at IS NULL RETURNING ${selectList(col)}`,
        [id],
      );
      if (row) return rowToRecord(col, row);
      // Already deleted (or absent): an applied no-op returns the current tombstone.
      const [cur] = await query(`SELECT ${selectList(col)} FROM ${n.table(name)} WHERE id = $1`, [id]);
      if (!cur) throw notFound(name, id);
      return rowToRecord(col, cur);
    },
  };
}
