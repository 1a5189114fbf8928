/**
 * Restore detection for the SQLite store (decision 0011). A restored file carries the same
 * generation as the one it replaced, so the generation alone cannot tell a cursor of the lost
 * history from one of this database. Two facts can:
 *
 * - **High-water mark.** A position's version above the counter was handed out by a history this
 *   file does not have: the server lost what came after the backup.
 * - **Epochs.** Every store that serves (its first write or pull) opens an epoch: a row with a
 *   random id and the counter at that moment, before it writes anything. Positions name the newest
 *   epoch at the time they were made. A restored file lacks the epochs opened after the backup, and
 *   its own new epoch starts at the restored counter, which closes the backup's last epoch there:
 *   a position of that epoch beyond the close point came from the lost history, however many new
 *   writes have pushed the counter past it since. Without epochs, new writes after a restore would
 *   erase the high-water evidence before the old clients came back.
 *
 * A normal restart never invalidates a position: a position's version never exceeds the counter
 * when it was made, and the next epoch starts at a counter at least that large.
 */
import { randomBytes } from 'node:crypto';
import type Database from 'better-sqlite3';

/** Epochs table; created by migrate and, for a store migrated by an older version, on first use. */
export const EPOCHS_DDL = `CREATE TABLE IF NOT EXISTS _syncline_epochs (
  seq INTEGER PRIMARY KEY AUTOINCREMENT, id TEXT NOT NULL UNIQUE, start_version INTEGER NOT NULL
)`;

/** What a pull knows about this database's history, read in the pull's own snapshot. */
export interface History {
  generation: string;
  /** The counter: the highest version this database has handed out. */
  counter: number;
  /** Epoch id → the counter where the next epoch began (null for the newest). */
  epochs: ReadonlyMap<string, number | null>;
  /** The newest epoch, named in new positions; null before any store served this file. */
  latest: string | null;
}

/** Opens this store's epoch at the current counter, in its own write transaction; returns its id. */
export function openEpoch(db: Database.Database): string {
  const id = randomBytes(8).toString('hex');
  db.transaction(() => {
    db.exec(EPOCHS_DDL);
    db.prepare(
      'INSERT INTO _syncline_epochs (id, start_version) SELECT ?, value FROM _syncline_counter WHERE id = 1',
    ).run(id);
  }).immediate();
  return id;
}

export function readHistory(db: Database.Database, generation: string, counter: number): History {
  const rows = db.prepare('SELECT id, start_version FROM _syncline_epochs ORDER BY seq').all() as Array<{
    id: string;
    start_version: number;
  }>;
  const epochs = new Map<string, number | null>();
  for (const [i, r] of rows.entries()) epochs.set(r.id, rows[i + 1]?.start_version ?? null);
  return { generation, counter, epochs, latest: rows[rows.length - 1]?.id ?? null };
}

/** `<generation>:<version>` or, once an epoch exists, `<generation>:<version>:<epoch>`. */
export function encodePosition(history: History, version: number): string {
  return `${history.generation}:${version}${history.latest === null ? '' : `:${history.latest}`}`;
}

/**
 * Where a position starts, or `reset` when it does not belong to this database's history: not
 * parseable, another generation, ahead of the counter, an unknown epoch, or beyond its epoch's end.
 * Positions without an epoch (made before epochs existed) get the high-water check only.
 */
export function parsePosition(
  position: string | null,
  history: History,
): { version: number; reset: boolean } {
  if (position === null) return { version: 0, reset: false };
  const m = /^([0-9a-f]+):(\d{1,16})(?::([0-9a-f]{1,32}))?$/.exec(position);
  const reset = { version: 0, reset: true };
  if (!m || m[1] !== history.generation) return reset;
  const version = Number(m[2]);
  if (!Number.isSafeInteger(version) || version > history.counter) return reset;
  const epoch = m[3];
  if (epoch !== undefined) {
    if (!history.epochs.has(epoch)) return reset;
    const end = history.epochs.get(epoch);
    if (end !== null && end !== undefined && version > end) return reset;
  }
  return { version, reset: false };
}
