/**
 * Store positions of the SQLite store (decisions 0001, 0011): `<generation>:<version>` or, once
 * an epoch exists, `<generation>:<version>:<epoch>`. Nothing a client sends is trusted: a position
 * that does not belong to this database's history (see history.ts) answers `reset`.
 */
import type { History } from './history.ts';

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
