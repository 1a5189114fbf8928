/**
 * What a database lacks for a schema, for the stores' `check()` (behind `GET /readyz`): a server
 * started with `--no-migrate` before `syncline migrate` ran answers 503 with this instead of
 * failing every write with a 500.
 */
import type { SchemaDef } from '@syncline/core';
import { SynclineError } from '@syncline/core';
import { toSnake } from '@syncline/core/internal';

/**
 * The missing tables and columns, e.g. `table "tasks"`, `column "tasks.due_at"`; empty when
 * migrated. `columns` maps each existing table (snake_case) to its column names; `meta` says
 * whether the store's bookkeeping (the generation row) exists.
 */
export function missingForSchema(
  schema: SchemaDef,
  columns: ReadonlyMap<string, ReadonlySet<string>>,
  meta: boolean,
): string[] {
  const missing: string[] = meta ? [] : ['the Syncline bookkeeping tables'];
  for (const col of Object.values(schema.collections)) {
    const table = toSnake(col.name);
    const existing = columns.get(table);
    if (existing === undefined) {
      missing.push(`table "${table}"`);
      continue;
    }
    for (const name of Object.keys(col.columns)) {
      if (!existing.has(toSnake(name))) missing.push(`column "${table}.${toSnake(name)}"`);
    }
  }
  return missing;
}

/** Throws a retryable 503 `unavailable` naming what is missing and what to run; no-op when nothing is. */
export function assertMigrated(kind: string, missing: readonly string[]): void {
  if (missing.length === 0) return;
  throw new SynclineError(
    'unavailable',
    `The ${kind} database is not migrated for this schema: it lacks ${missing.join(', ')}. ` +
      'Run "syncline migrate --schema <module> --db <url>" (or await store.migrate()), or start "syncline serve" without --no-migrate.',
    { status: 503, retryable: true, details: { missing } },
  );
}
