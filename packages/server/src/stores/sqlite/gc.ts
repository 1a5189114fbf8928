/**
 * Garbage collection: removes tombstones and gone-markers older than a cutoff and raises each
 * collection's horizon to the newest version removed, so that a position before it answers
 * `reset` (its client may have missed a delete that no longer exists).
 */
import type { SchemaDef } from '@syncline/core';
import { toSnake } from '@syncline/core/internal';
import type Database from 'better-sqlite3';
import { q } from './ddl.ts';

/** Runs inside the caller's write transaction; `cutoff` is an ISO time (`deleted_at` is ISO text). */
export function collectGarbage(
  db: Database.Database,
  schema: SchemaDef,
  cutoff: string,
): { removed: number } {
  // The flag row keeps the DELETE trigger from turning collected tombstones into new gone-markers;
  // it is never visible to other connections because it is removed before commit.
  db.prepare("INSERT OR REPLACE INTO _syncline_meta (key, value) VALUES ('gc_running', '1')").run();
  let removed = 0;
  for (const col of Object.values(schema.collections)) {
    const table = q(toSnake(col.name));
    const maxRow = db
      .prepare(
        `SELECT MAX(v) AS v FROM (
           SELECT MAX(version) AS v FROM ${table} WHERE deleted_at IS NOT NULL AND deleted_at <= ?
           UNION ALL SELECT MAX(version) FROM _syncline_gone WHERE collection = ? AND deleted_at <= ?)`,
      )
      .get(cutoff, toSnake(col.name), cutoff) as { v: number | null };
    if (maxRow.v === null) continue;
    removed += db
      .prepare(`DELETE FROM ${table} WHERE deleted_at IS NOT NULL AND deleted_at <= ?`)
      .run(cutoff).changes;
    removed += db
      .prepare('DELETE FROM _syncline_gone WHERE collection = ? AND deleted_at <= ?')
      .run(toSnake(col.name), cutoff).changes;
    db.prepare(
      `INSERT INTO _syncline_horizon (collection, version) VALUES (?, ?)
       ON CONFLICT (collection) DO UPDATE SET version = MAX(version, excluded.version)`,
    ).run(col.name, maxRow.v);
  }
  db.prepare("DELETE FROM _syncline_meta WHERE key = 'gc_running'").run();
  return { removed };
}
