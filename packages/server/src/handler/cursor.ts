/**
 * Pull cursors (decision 0002): `<scopeHash>.<position>`. The scope hash covers the caller's
 * sorted scope keys, so a changed key set answers `reset`; the position belongs to the store.
 */
import { stableHash } from '@syncline/core/internal';

/** `public` for public collections, otherwise a hash of the sorted, de-duplicated keys. */
export function scopeHash(keys: readonly string[] | null): string {
  if (keys === null) return 'public';
  return stableHash([...new Set(keys)].sort().join('\u0000'));
}

export function encodeCursor(hash: string, position: string): string {
  return `${hash}.${position}`;
}

/** A cursor of another scope, or one that does not parse, restarts the collection with `reset`. */
export function decodeCursor(
  cursor: string | null,
  hash: string,
): { position: string | null; reset: boolean } {
  if (cursor === null) return { position: null, reset: false };
  const dot = cursor.indexOf('.');
  if (dot <= 0 || cursor.slice(0, dot) !== hash || dot === cursor.length - 1)
    return { position: null, reset: true };
  return { position: cursor.slice(dot + 1), reset: false };
}
