/**
 * SQLite failures as the store reports them: a file that cannot be opened names its path, and a
 * write lock held elsewhere past `busy_timeout` is an outage (503), not a bug.
 */
import { mkdirSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { SynclineError } from '@syncline/core';
import Database from 'better-sqlite3';

/** Opens the file (creating its directory), or throws an error that names the absolute path. */
export function openFile(path: string): Database.Database {
  const inMemory = path === '' || path === ':memory:' || path.startsWith('file::memory:');
  const abs = inMemory ? path : resolve(path);
  try {
    if (!inMemory) mkdirSync(dirname(abs), { recursive: true });
    return new Database(path);
  } catch (error) {
    const detail = error instanceof Error ? error.message : String(error);
    throw new SynclineError(
      'storage',
      `Could not open the SQLite database ${abs}: ${detail}. Check that the path is right and that this process may write to its directory.`,
      { cause: error },
    );
  }
}

/**
 * Another connection holding the write lock past busy_timeout is an outage of the database, not a
 * bug: answer 503 so clients retry with backoff.
 */
export function busyAsUnavailable<T>(fn: () => T): T {
  try {
    return fn();
  } catch (err) {
    const code = (err as { code?: unknown }).code;
    if (typeof code === 'string' && (code.startsWith('SQLITE_BUSY') || code.startsWith('SQLITE_LOCKED'))) {
      throw new SynclineError('unavailable', 'The database is busy. Try again in a moment.', {
        cause: err,
        status: 503,
        retryable: true,
      });
    }
    throw err;
  }
}
