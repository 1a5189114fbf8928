/**
 * Where this database's history stands: its generation (a new one after a restore, a replica
 * promotion or a TRUNCATE, so every client position answers `reset`; decisions 0005, 0011) and
 * how far delivery trails the newest writes (the xid watermark).
 */

import { SynclineError } from '@syncline/core';
import type pg from 'pg';
import type { SqlDb } from '../types.ts';
import type { PgNames } from './ddl.ts';

/** How far delivery trails the newest writes; for `/metrics`. */
export interface WatermarkLag {
  /** Transaction ids between the watermark (oldest running xid) and the next xid to be assigned. */
  xids: number;
  /** Age in ms of the oldest open transaction holding an xid (prepared ones included); 0 when none. */
  oldestWriterAgeMs: number;
}

/** The watermark's lag: transaction ids, and the age of the oldest open transaction holding one. */
export async function watermarkLag(pool: pg.Pool): Promise<WatermarkLag> {
  const { rows } = await pool.query<{ xids: number; age_ms: number | null }>(
    `SELECT (pg_snapshot_xmax(s)::text::numeric - pg_snapshot_xmin(s)::text::numeric)::float8 AS xids,
            (SELECT extract(epoch FROM clock_timestamp() - min(t)) * 1000 FROM (
               SELECT xact_start AS t FROM pg_stat_activity WHERE backend_xid IS NOT NULL
               UNION ALL SELECT prepared FROM pg_prepared_xacts) o)::float8 AS age_ms
       FROM pg_current_snapshot() s`,
  );
  const row = rows[0];
  return { xids: row?.xids ?? 0, oldestWriterAgeMs: Math.max(0, Math.round(row?.age_ms ?? 0)) };
}

/** Starts a new generation; answers it. Throws `storage` when the store is not migrated. */
export async function bumpGeneration(db: SqlDb, n: PgNames): Promise<string> {
  const [row] = await db.all<{ value: string }>(
    `UPDATE ${n.meta} SET value = substr(md5(random()::text || clock_timestamp()::text), 1, 16) WHERE key = 'generation' RETURNING value`,
  );
  if (!row)
    throw new SynclineError('storage', 'The PostgreSQL store is not migrated: call store.migrate() first.');
  return row.value;
}
