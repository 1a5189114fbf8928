/**
 * Additive, idempotent migration: new tables, new columns, indexes, and re-created triggers.
 * Columns are never dropped or retyped; a column removed from the schema stays in the table.
 */
import { randomBytes } from 'node:crypto';
import type { SchemaDef } from '@syncline/core';
import { toSnake } from '@syncline/core/internal';
import type Database from 'better-sqlite3';
import {
  BOOKKEEPING_COLUMNS,
  columnDdl,
  createTableDdl,
  indexDdl,
  META_DDL,
  q,
  scopeCandidates,
  scopeIndexColumns,
  triggerDdl,
} from './ddl.ts';
import { EPOCHS_DDL } from './history.ts';

export function migrateSqlite(
  db: Database.Database,
  schema: SchemaDef,
  scopeColumns: Readonly<Record<string, string | readonly string[]>>,
): void {
  db.exec(META_DDL);
  db.exec(EPOCHS_DDL);
  db.prepare('INSERT OR IGNORE INTO _syncline_meta (key, value) VALUES (?, ?)').run(
    'generation',
    randomBytes(8).toString('hex'),
  );
  for (const col of Object.values(schema.collections)) {
    const table = toSnake(col.name);
    db.exec(createTableDdl(col));
    const existing = new Set(
      (db.prepare(`PRAGMA table_info(${q(table)})`).all() as Array<{ name: string }>).map((c) => c.name),
    );
    for (const [name, def] of Object.entries(col.columns)) {
      if (existing.has(toSnake(name))) continue;
      db.exec(
        `ALTER TABLE ${q(table)} ADD COLUMN ${columnDdl(name, def.kind, def.nullable, def.defaultValue, true)}`,
      );
    }
    // A table the app created before Syncline managed it gains the bookkeeping columns too.
    for (const [name, ddl] of BOOKKEEPING_COLUMNS) {
      if (!existing.has(name)) db.exec(`ALTER TABLE ${q(table)} ADD COLUMN ${q(name)} ${ddl}`);
    }
    const declared = scopeColumns[col.name];
    for (const sql of triggerDdl(col, scopeCandidates(col, declared))) db.exec(sql);
    const scopeIndex = scopeIndexColumns(col, declared);
    for (const sql of indexDdl(col, scopeIndex)) db.exec(sql);
    // Rows that predate the triggers get a version through the update trigger, so pulls see them.
    db.exec(`UPDATE ${q(table)} SET updated_at = updated_at WHERE version IS NULL OR version = 0`);
  }
}
