/**
 * Garbage collection: removes tombstones and gone-markers older than a cutoff and raises each
 * collection's horizon to the newest `(_txid, id)` removed, so that a position before it answers
 * `reset` (its client may have missed a delete that no longer exists).
 */
import type { SchemaDef } from '@syncline/core';
import { toSnake } from '@syncline/core/internal';
import type pg from 'pg';
import type { PgNames } from './ddl.ts';

/**
 * Runs inside the caller's transaction. The cutoff uses the database clock, the same clock that
 * stamped `deleted_at`, so server clock skew cannot collect too early.
 */
export async function collectGarbage(
  client: pg.PoolClient,
  n: PgNames,
  schema: SchemaDef,
  olderThanMs: number,
): Promise<{ removed: number }> {
  // Transaction-local: the DELETE trigger skips gone-markers for what GC removes, and no other
  // session ever sees the setting.
  await client.query("SELECT set_config('syncline.gc', 'on', true)");
  const { rows } = await client.query<{ cutoff: string }>(
    "SELECT (clock_timestamp() - $1::double precision * interval '1 millisecond')::text AS cutoff",
    [olderThanMs],
  );
  const cutoff = rows[0]!.cutoff;
  let removed = 0;
  for (const col of Object.values(schema.collections)) {
    const table = toSnake(col.name);
    const t = n.table(col.name);
    // One statement: the horizon is the newest of exactly what was deleted (rows and markers), so
    // a tombstone committed between a separate SELECT and the DELETE cannot slip past it.
    const { rows: gone } = await client.query<{ removed: number; txid: string | null; id: string | null }>(
      `WITH r AS (DELETE FROM ${t} WHERE deleted_at IS NOT NULL AND deleted_at <= $1::timestamptz RETURNING _txid, id),
            g AS (DELETE FROM ${n.gone} WHERE collection = $2 AND deleted_at <= $1::timestamptz RETURNING _txid, id),
            a AS (SELECT _txid, id FROM r UNION ALL SELECT _txid, id FROM g),
            top AS (SELECT _txid, id FROM a WHERE _txid IS NOT NULL ORDER BY _txid DESC, id DESC LIMIT 1)
       SELECT ((SELECT count(*) FROM r) + (SELECT count(*) FROM g))::int AS removed,
              (SELECT _txid::text FROM top) AS txid, (SELECT id FROM top) AS id`,
      [cutoff, table],
    );
    const result = gone[0]!;
    removed += result.removed;
    const top = result.txid !== null && result.id !== null ? { txid: result.txid, id: result.id } : null;
    if (!top) continue;
    await client.query(
      `INSERT INTO ${n.horizon} AS h (collection, txid, id) VALUES ($1, $2::xid8, $3)
       ON CONFLICT (collection) DO UPDATE SET txid = excluded.txid, id = excluded.id
       WHERE (excluded.txid, excluded.id) > (h.txid, h.id)`,
      [col.name, top.txid, top.id],
    );
  }
  return { removed };
}
