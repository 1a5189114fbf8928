/**
 * The WriteTx of one SQLite write transaction (`BEGIN IMMEDIATE`: the transaction holds SQLite's
 * single write lock, so no read needs a row lock of its own). The statements both SQL stores share
 * come from ../sql-dialect.ts; what is SQLite's own is the writer row behind `updatedBy`.
 */
import type { SchemaDef } from '@syncline/core';
import { sqlWriteTx } from '../sql-dialect.ts';
import type { Row } from '../sql-rows.ts';
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
  /** Whether a stamped write reserved versions (`_syncline_reserved`, emptied before commit too). */
  reserved(): boolean;
}

/**
 * A WriteTx over `all` (the store's cached, serialised statement runner), for one transaction.
 * With `candidates` (the triggers know reserved versions, decision 0026), inserts and updates are
 * stamped by the server itself (stamped.ts); without, every write goes through the triggers.
 */
export function createWriteTx(
  all: (sql: string, params?: readonly unknown[]) => Row[],
  schema: SchemaDef,
  candidates: ReadonlyMap<string, ReadonlySet<string>> | null,
): SqliteWriteTx {
  let attributed = false;
  let writer: string | null = null;
  let reserved = false;
  const run = async (sql: string, params: readonly unknown[] = []) => all(sql, params);
  const shared = sqlWriteTx({
    dialect: sqliteDialect,
    schema,
    run,
    rows: { rowToRecord, rowToStored, sqlAssignments },
  });
  const stamped = candidates
    ? stampedWrites({
        all,
        schema,
        candidates,
        writer: () => writer,
        onReserve: () => {
          reserved = true;
        },
        updateRecord: shared.updateRecord,
      })
    : {};
  const tx: WriteTx = {
    ...shared,
    ...stamped,
    all: run as WriteTx['all'],
    async writeAs(userId) {
      all('INSERT OR REPLACE INTO _syncline_writer (id, user_id) VALUES (1, ?)', [userId]);
      attributed = true;
      writer = userId;
    },
  };
  return { tx, attributed: () => attributed, reserved: () => reserved };
}
