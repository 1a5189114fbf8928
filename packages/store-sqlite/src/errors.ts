import { SynclineError } from '@syncline/core';

/** SQLite result codes we explain to people; everything else gets the driver's own message. */
const EXPLAINED: ReadonlyArray<readonly [prefix: string, message: string, retryable: boolean]> = [
  [
    'SQLITE_FULL',
    'The local database is full: the disk (or the database size limit) has no room left. Free some disk space and try again; nothing already saved was lost.',
    true,
  ],
  [
    'SQLITE_IOERR',
    'The local database could not read or write its file (disk I/O error). Check that the disk is present and healthy, then restart the app.',
    true,
  ],
  [
    'SQLITE_BUSY',
    'The local database is locked by another connection or process. Try again in a moment; if it persists, close other programs using the database file.',
    true,
  ],
  [
    'SQLITE_LOCKED',
    'The local database is locked by another statement on the same connection. Try again in a moment.',
    true,
  ],
  [
    'SQLITE_READONLY',
    'The local database file is read-only. Check the file permissions of the app data directory.',
    false,
  ],
  [
    'SQLITE_CORRUPT',
    'The local database file is damaged. Unsynced changes in it may be lost; delete the file to start over from the server.',
    false,
  ],
  [
    'SQLITE_NOTADB',
    'The local database path points at a file that is not an SQLite database. Check the configured path.',
    false,
  ],
  [
    'SQLITE_CANTOPEN',
    'The local database file could not be opened. Check that its directory exists and is writable.',
    false,
  ],
];

/**
 * Turns anything a driver throws into `SynclineError('storage')` with a message a person can act
 * on and the original error as `cause`. A `SynclineError` passes through unchanged.
 */
export function toStorageError(error: unknown): SynclineError {
  if (error instanceof SynclineError) return error;
  const code = typeof error === 'object' && error !== null && 'code' in error ? String(error.code) : '';
  const detail = error instanceof Error ? error.message : String(error);
  for (const [prefix, message, retryable] of EXPLAINED) {
    if (code.startsWith(prefix)) {
      return new SynclineError('storage', `${message} (${code}: ${detail})`, {
        cause: error,
        retryable,
        details: { sqliteCode: code },
      });
    }
  }
  return new SynclineError('storage', `The local database failed: ${detail}${code ? ` (${code})` : ''}.`, {
    cause: error,
    details: { sqliteCode: code || null },
  });
}

/** The error of every call on a closed store. */
export function closedError(): SynclineError {
  return new SynclineError(
    'closed',
    'The local store is closed. Create a new store to keep using the database.',
  );
}
