/**
 * Pull cursors. Two forms, both opaque to clients:
 *
 * - `<scopeHash>.<position>` (decision 0002): the hash of the caller's keys; a changed key set
 *   answers `reset`. Protocol-1 clients, public collections, `'all'` keys, and key sets too large
 *   to carry use it.
 * - `k2.<base64url JSON>` (decision 0012): the key groups `{ keys, position }` and the keys still
 *   to revoke. Keys are tokens `<column>:<value>`. Everything in it comes from the client and is
 *   only ever intersected with the caller's current keys, so a forged cursor widens nothing.
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

/** Keys read from one store position: `position` null is a backfill from the start. */
export interface KeyGroup {
  keys: string[];
  position: string | null;
}

export interface GroupCursor {
  groups: KeyGroup[];
  /** Keys the caller lost whose rows its client has not been told to remove yet. */
  lost: string[];
}

const PREFIX = 'k2.';

export function encodeGroups(state: GroupCursor): string {
  const json = JSON.stringify({ g: state.groups.map((g) => [g.keys, g.position]), l: state.lost });
  return PREFIX + Buffer.from(json, 'utf8').toString('base64url');
}

/** The groups of a `k2.` cursor, or null when `cursor` is not one (or does not parse). */
export function decodeGroups(cursor: string): GroupCursor | null {
  if (!cursor.startsWith(PREFIX)) return null;
  let raw: unknown;
  try {
    raw = JSON.parse(Buffer.from(cursor.slice(PREFIX.length), 'base64url').toString('utf8'));
  } catch {
    return null;
  }
  const isKeys = (v: unknown): v is string[] => Array.isArray(v) && v.every((k) => typeof k === 'string');
  if (typeof raw !== 'object' || raw === null) return null;
  const { g, l } = raw as { g?: unknown; l?: unknown };
  if (!Array.isArray(g) || !isKeys(l)) return null;
  const groups: KeyGroup[] = [];
  for (const entry of g) {
    if (!Array.isArray(entry) || entry.length !== 2 || !isKeys(entry[0])) return null;
    const position = entry[1];
    if (position !== null && (typeof position !== 'string' || position.length === 0)) return null;
    groups.push({ keys: entry[0], position });
  }
  return { groups, lost: l };
}

/**
 * The cursor's groups brought up to the caller's `current` keys: keys no longer held leave their
 * group and join `lost`; keys held but in no group form a new group read from the start (a
 * backfill of only those keys); a regained key leaves `lost`.
 */
export function reconcile(state: GroupCursor, current: readonly string[]): GroupCursor {
  const now = new Set(current);
  const had = new Set(state.groups.flatMap((g) => g.keys));
  const groups = state.groups
    .map((g) => ({ keys: g.keys.filter((k) => now.has(k)), position: g.position }))
    .filter((g) => g.keys.length > 0);
  const lost = new Set([...state.lost, ...[...had].filter((k) => !now.has(k))]);
  for (const k of now) lost.delete(k);
  const gained = current.filter((k) => !had.has(k));
  if (gained.length > 0) groups.push({ keys: [...gained].sort(), position: null });
  return { groups, lost: [...lost].sort() };
}

/** Groups that reached the same position read the same rows from now on: one group. */
export function mergeGroups(groups: readonly KeyGroup[]): KeyGroup[] {
  const out: Array<{ keys: Set<string>; position: string | null }> = [];
  for (const g of groups) {
    const same = g.position === null ? undefined : out.find((o) => o.position === g.position);
    if (same) for (const k of g.keys) same.keys.add(k);
    else out.push({ keys: new Set(g.keys), position: g.position });
  }
  return out.map((o) => ({ keys: [...o.keys].sort(), position: o.position }));
}

/** `<column>:<value>` tokens of keys per column (column names hold no ':'). */
export function toTokens(keys: ReadonlyMap<string, readonly string[]>): string[] {
  const out: string[] = [];
  for (const [column, values] of keys) for (const v of values) out.push(`${column}:${v}`);
  return out.sort();
}

/** Tokens back to keys per column; every column of `columns` present. */
export function fromTokens(tokens: readonly string[], columns: readonly string[]): Map<string, string[]> {
  const out = new Map<string, string[]>(columns.map((c) => [c, []]));
  for (const t of tokens) {
    const i = t.indexOf(':');
    const list = i > 0 ? out.get(t.slice(0, i)) : undefined;
    // A token of a column the rule no longer has selects nothing.
    if (list) list.push(t.slice(i + 1));
  }
  return out;
}
