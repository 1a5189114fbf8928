/**
 * The WriteTx of one SQLite write transaction (`BEGIN IMMEDIATE`: the transaction holds SQLite's
 * single write lock, so no read needs a row lock of its own). The statements both SQL stores share
 * come from ../sql-dialect.ts; what is SQLite's own is the writer row behind `updatedBy`.
 */
import type { CollectionDef, SchemaDef, WireRecord } from '@syncline/core';
import { SynclineError } from '@syncline/core';
import { toSnake } from '@syncline/core/internal';
import { collectionOf, sqlWriteTx } from '../sql-dialect.ts';
import type { Row } from '../sql-rows.ts';
import { q, selectList } from '../sql-rows.ts';
import type { WriteTx } from '../types.ts';
import { rowToRecord, rowToStored, sqlAssignments } from './records.ts';
import { sqliteDialect } from './sql.ts';
import { stampedWrites } from './stamped.ts';

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
  allRaw: (sql: string, params?: readonly unknown[]) => unknown[][],
  schema: SchemaDef,
): SqliteWriteTx {
  let attributed = false;
  let writer: string | null = null;
  const stamped = stampedWrites(all, allRaw);
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
    async insertRecords(name, records) {
      const col = collectionOf(schema, name);
      const tableName = toSnake(col.name);
      if (stamped.stampable(col, tableName) === null) return shared.insertRecords(name, records);
      const out = new Map<string, WireRecord>();
      // Grouped by column set: a missing optional column must get its default, not NULL.
      for (const [columns, group] of byColumns(
        col,
        records.map((r) => ({ id: r.id, values: r.data })),
      )) {
        for (const [id, record] of stamped.insert(col, tableName, columns, group, writer))
          out.set(id, record);
      }
      const missing = records.find((r) => !out.has(r.id));
      if (missing) throw new SynclineError('not_found', `No record "${missing.id}" in "${name}".`);
      return out;
    },
    async updateRecords(name, records) {
      const col = collectionOf(schema, name);
      const table = sqliteDialect.table(name);
      const tableName = toSnake(col.name);
      const candidates = stamped.stampable(col, tableName)?.candidates ?? null;
      const out = new Map<string, WireRecord>();
      const unchanged: string[] = [];
      for (const [columns, group] of byColumns(
        col,
        records.map((r) => ({ id: r.id, values: r.patch })),
      )) {
        if (columns.length === 0) {
          for (const r of group) unchanged.push(r.id);
        } else if (candidates !== null && !columns.some((c) => candidates.has(c))) {
          // Stamped by the statement itself (stamped.ts): no scope candidate changes, so no gone-marker.
          for (const [id, record] of stamped.update(col, tableName, columns, group, writer))
            out.set(id, record);
        } else {
          // One UPDATE per record: the triggers stamp each row, in order, and leave its gone-marker.
          for (const r of group) {
            all(`UPDATE ${table} SET ${columns.map((n) => `${q(n)} = ?`).join(', ')} WHERE id = ?`, [
              ...r.pairs.map(([, v]) => v),
              r.id,
            ]);
            unchanged.push(r.id);
          }
        }
      }
      // Rows the triggers stamped (or nothing changed) are read back: RETURNING would report
      // them before the AFTER triggers stamp them.
      if (unchanged.length > 0) {
        const rows = all(
          `SELECT ${selectList(col)} FROM ${table} WHERE ${sqliteDialect.inList('id', 1, 'text')}`,
          [sqliteDialect.list(unchanged)],
        );
        for (const row of rows) out.set(String(row.id), rowToRecord(col, row));
      }
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
      writer = userId;
    },
  };
  return { tx, attributed: () => attributed };
}

/** Records grouped by the columns they write (snake names, in order), with their parameter pairs. */
function byColumns(
  col: CollectionDef,
  records: ReadonlyArray<{ id: string; values: Record<string, unknown> }>,
): Map<string[], Array<{ id: string; pairs: Array<[string, unknown]> }>> {
  const byKey = new Map<
    string,
    { columns: string[]; rows: Array<{ id: string; pairs: Array<[string, unknown]> }> }
  >();
  for (const r of records) {
    const pairs = sqlAssignments(col, r.values);
    const columns = pairs.map(([n]) => n);
    const key = columns.join(',');
    let group = byKey.get(key);
    if (!group) {
      group = { columns, rows: [] };
      byKey.set(key, group);
    }
    group.rows.push({ id: r.id, pairs });
  }
  return new Map([...byKey.values()].map((g) => [g.columns, g.rows]));
}
