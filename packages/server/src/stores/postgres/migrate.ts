/**
 * Additive, idempotent migration in one transaction under an advisory lock, so two servers that
 * start at once take turns instead of racing on CREATE TABLE. Columns are never dropped or
 * retyped; a column removed from the schema stays in the table.
 */
import type { SchemaDef } from '@syncline/core';
import { SynclineError } from '@syncline/core';
import { toSnake } from '@syncline/core/internal';
import type pg from 'pg';
import type { PgNames } from './ddl.ts';
import {
  BOOKKEEPING_COLUMNS,
  columnDdl,
  createTableDdl,
  indexDdl,
  metaDdl,
  scopeCandidates,
  scopeIndexColumns,
  triggerDdl,
} from './ddl.ts';
import { q } from './sql.ts';

/** Runs inside the caller's transaction on `client`. */
export async function migratePostgres(
  client: pg.PoolClient,
  n: PgNames,
  schema: SchemaDef,
  scopeColumns: Readonly<Record<string, string | readonly string[]>>,
): Promise<void> {
  // One lock per PostgreSQL schema: servers of other apps in the same database are not held up.
  await client.query('SELECT pg_advisory_xact_lock(hashtext($1))', [`syncline.migrate:${n.schema}`]);
  for (const sql of metaDdl(n)) await client.query(sql);
  for (const col of Object.values(schema.collections)) {
    const table = toSnake(col.name);
    if (table.startsWith('syncline_')) {
      throw new SynclineError(
        'invalid_schema',
        `Collection "${col.name}" clashes with Syncline's own tables (syncline_*): rename it.`,
      );
    }
    await client.query(createTableDdl(n, col));
    const { rows } = await client.query<{ column_name: string }>(
      'SELECT column_name FROM information_schema.columns WHERE table_schema = $1 AND table_name = $2',
      [n.schema, table],
    );
    const existing = new Set(rows.map((r) => r.column_name));
    for (const [name, def] of Object.entries(col.columns)) {
      if (existing.has(toSnake(name))) continue;
      await client.query(
        `ALTER TABLE ${n.table(col.name)} ADD COLUMN IF NOT EXISTS ${columnDdl(name, def.kind, def.nullable, def.defaultValue, true)}`,
      );
    }
    // A table the app created before Syncline managed it gains the bookkeeping columns too.
    for (const [name, ddl] of BOOKKEEPING_COLUMNS) {
      if (!existing.has(name))
        await client.query(`ALTER TABLE ${n.table(col.name)} ADD COLUMN IF NOT EXISTS ${q(name)} ${ddl}`);
    }
    const declared = scopeColumns[col.name];
    for (const sql of triggerDdl(n, col, scopeCandidates(col, declared))) await client.query(sql);
    const scopeIndex = scopeIndexColumns(col, declared);
    for (const sql of indexDdl(n, col, scopeIndex)) await client.query(sql);
    // Rows that predate the triggers get a txid and version through the stamp trigger, so pulls see them.
    await client.query(`UPDATE ${n.table(col.name)} SET id = id WHERE _txid IS NULL`);
  }
}
