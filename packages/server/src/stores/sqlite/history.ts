/**
 * Restore detection for the SQLite store (decision 0011). A restored file carries the same
 * generation as the one it replaced, so the generation alone cannot tell a cursor of the lost
 * history from one of this database. Three pieces of evidence can:
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
 * - **The marker file** (`<db>-syncline`, beside `-wal` and `-shm`). Cursors cannot show every
 *   loss: a client whose last pull predates the backup but whose pushes were acknowledged after it
 *   holds records the restored file lacks, with a cursor that is valid here. So the store also
 *   notes, outside the file, its generation, epoch and counter after every commit. A store that
 *   opens a file whose counter is below the marker's, or that lacks the marker's epoch, knows the
 *   file was replaced by an older copy and starts a new generation: every client resets. Copying
 *   the marker back with the backup (or deleting it) only turns this check off; the cursor checks
 *   above still apply.
 *
 * A normal restart never invalidates a position: a position's version never exceeds the counter
 * when it was made, and the next epoch starts at a counter at least that large.
 */
import { randomBytes } from 'node:crypto';
import { closeSync, ftruncateSync, openSync, readFileSync, writeSync } from 'node:fs';
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

/** What the marker file holds: how far this database's history went when it was last written. */
interface Marker {
  generation: string;
  epoch: string;
  counter: number;
}

/** The marker file of a database file; null for an in-memory database. */
export function markerPath(dbPath: string): string | null {
  return dbPath === ':memory:' || dbPath === '' ? null : `${dbPath}-syncline`;
}

function readMarker(path: string): Marker | null {
  try {
    const m = JSON.parse(readFileSync(path, 'utf8')) as Partial<Marker>;
    return typeof m.generation === 'string' && typeof m.epoch === 'string' && typeof m.counter === 'number'
      ? (m as Marker)
      : null;
  } catch {
    return null; // absent or torn: no evidence either way
  }
}

/**
 * Notes how far the history went. Not fsynced: a marker lost in a power cut only loses evidence,
 * and one that survived while the database lost its last commits reports a real loss. Written
 * after every commit, on the push's path, so the file stays open and is rewritten in place (one
 * positioned write and a truncate, microseconds, where opening, truncating and closing it cost
 * about 0.3 ms a commit); `closeMarker` closes it with the store.
 */
export function writeMarker(path: string | null, db: Database.Database, epoch: string): void {
  if (path === null) return;
  let read = markerReads.get(db);
  if (!read) {
    read = db.prepare(
      "SELECT (SELECT value FROM _syncline_meta WHERE key = 'generation') AS generation, (SELECT value FROM _syncline_counter WHERE id = 1) AS counter",
    );
    markerReads.set(db, read);
  }
  const row = read.get() as { generation: string | null; counter: number | null };
  if (row.generation === null || row.counter === null) return;
  const text = JSON.stringify({ generation: row.generation, epoch, counter: row.counter } satisfies Marker);
  try {
    let fd = markerFiles.get(db);
    if (fd === undefined) {
      fd = openSync(path, 'w');
      markerFiles.set(db, fd);
    }
    // A shorter text (a new generation id, another process's write) leaves no tail behind it.
    ftruncateSync(fd, writeSync(fd, text, 0));
  } catch {
    // A read-only directory turns the check off; serving goes on.
  }
}

/** Closes the marker file `writeMarker` keeps open for `db` (when the store closes). */
export function closeMarker(db: Database.Database): void {
  const fd = markerFiles.get(db);
  if (fd === undefined) return;
  markerFiles.delete(db);
  try {
    closeSync(fd);
  } catch {
    // Already closed: nothing to release.
  }
}

/** The open marker file per connection. */
const markerFiles = new WeakMap<Database.Database, number>();

/** One prepared statement per connection: the marker is written after every commit. */
const markerReads = new WeakMap<Database.Database, Database.Statement>();

/**
 * Before this store's first epoch: whether the marker proves the file lost history (its counter
 * is below the marker's, or the marker's epoch is missing), in which case a new generation is
 * started in the same transaction. Returns whether it did.
 */
export function detectRestore(path: string | null, db: Database.Database): boolean {
  if (path === null) return false;
  const marker = readMarker(path);
  if (!marker) return false;
  return db
    .transaction(() => {
      db.exec(EPOCHS_DDL);
      const generation = (
        db.prepare("SELECT value FROM _syncline_meta WHERE key = 'generation'").get() as
          | { value: string }
          | undefined
      )?.value;
      // Another generation: someone bumped it since (bump-generation); the marker is about the old one.
      if (generation === undefined || generation !== marker.generation) return false;
      const counter = (
        db.prepare('SELECT value FROM _syncline_counter WHERE id = 1').get() as { value: number }
      ).value;
      const known = db.prepare('SELECT 1 FROM _syncline_epochs WHERE id = ?').get(marker.epoch) !== undefined;
      if (counter >= marker.counter && known) return false;
      db.prepare("UPDATE _syncline_meta SET value = ? WHERE key = 'generation'").run(
        randomBytes(8).toString('hex'),
      );
      // Versions handed out in the lost history are not handed out again: a client's pending
      // update whose baseVersion came from there can never match a different record state here.
      db.prepare('UPDATE _syncline_counter SET value = ? WHERE id = 1 AND value < ?').run(
        marker.counter,
        marker.counter,
      );
      return true;
    })
    .immediate();
}
