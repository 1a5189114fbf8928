/**
 * The WriteTx of one SQLite write transaction (`BEGIN IMMEDIATE`: the transaction holds SQLite's
 * single write lock, so no read needs a row lock of its own). The statements both SQL stores share
 * come from ../sql-dialect.ts; what is SQLite's own is the writer row behind `updatedBy`.
 */
import type { SchemaDef, WireRecord } from '@syncline/core';
import { SynclineError } from '@syncline/core';
import { collectionOf, sqlWriteTx } from '../sql-dialect.ts';
import type { Row } from '../sql-rows.ts';
import { q, selectList } from '../sql-rows.ts';
import type { WriteTx } from '../types.ts';
import { rowToRecord, rowToStored, sqlAssignments } from './records.ts';
import { sqliteDialect } from './sql.ts';

/** A write transaction and what the store must undo before it commits. */
export interface SqliteWriteTx {
  tx: WriteTx;
  /**
   * Whether `writeAs` set the `_syncline_writer` row, which must be emptied before commit:
   * other connections (plain SQL) must see no writer, so they write NULL.
   */
  attributed(): boolean;
}

/** A WriteTx over `all` (the store's cached, serialised statement runner), for one transaction. */
export function createWriteTx(
  all: (sql: string, params?: readonly unknown[]) => Row[],
  schema: SchemaDef,
): SqliteWriteTx {
  let attributed = false;
  const run = async (sql: string, params: readonly unknown[] = []) => all(sql, params);
  const shared = sqlWriteTx({
    dialect: sqliteDialect,
    schema,
    run,
    rows: { rowToRecord, rowToStored, sqlAssignments },
  });
  const tx: WriteTx = {
    ...shared,
    all: run as WriteTx['all'],
    async updateRecords(name, records) {
      const col = collectionOf(schema, name);
      const table = sqliteDialect.table(name);
      // One UPDATE per record (the triggers stamp each row, in order), then one read back of all
      // of them: RETURNING would report the rows before the AFTER triggers stamp them.
      for (const r of records) {
        const pairs = sqlAssignments(col, r.patch);
        if (pairs.length === 0) continue;
        all(`UPDATE ${table} SET ${pairs.map(([n]) => `${q(n)} = ?`).join(', ')} WHERE id = ?`, [
          ...pairs.map(([, v]) => v),
          r.id,
        ]);
      }
      const out = new Map<string, WireRecord>();
      const rows = all(
        `SELECT ${selectList(col)} FROM ${table} WHERE ${sqliteDialect.inList('id', 1, 'text')}`,
        [sqliteDialect.list(records.map((r) => r.id))],
      );
      for (const row of rows) out.set(String(row.id), rowToRecord(col, row));
      const missing = records.find((r) => !out.has(r.id));
      if (missing) throw new SynclineError('not_found', `No record "${missing.id}" in "${name}".`);
      return out;
    },
    async saveOutcomes(clientId, results) {
      // Rows of bound text rather than one JSON array that SQLite would parse (json_each) again:
      // about half the cost of the push's outcomes here. Chunks of 2^k rows (at most 512, 3
      // parameters a row), so a few prepared statements serve every batch size.
      for (let at = 0; at < results.length; ) {
        let size = 512;
        while (size > results.length - at) size /= 2;
        const chunk = results.slice(at, at + size);
        at += size;
        const params: unknown[] = [];
        for (const r of chunk) params.push(clientId, r.seq, JSON.stringify(r));
        all(
          `INSERT INTO _syncline_outcomes (client_id, seq, result) VALUES ${Array(chunk.length).fill('(?, ?, ?)').join(', ')}
           ON CONFLICT (client_id, seq) DO UPDATE SET result = excluded.result`,
          params,
        );
      }
    },
    async writeAs(userId) {
      all('INSERT OR REPLACE INTO _syncline_writer (id, user_id) VALUES (1, ?)', [userId]);
      attributed = true;
    },
  };
  return { tx, attributed: () => attributed };
}
