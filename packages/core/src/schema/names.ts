/** camelCase (JSON/TypeScript) ↔ snake_case (SQL). `listId` ↔ `list_id`. */
export function toSnake(name: string): string {
  let out = snakeCache.get(name);
  if (out === undefined) {
    out = name.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`);
    // Names come from schemas and rules (a bounded set); the bound guards odd callers.
    if (snakeCache.size >= 10_000) snakeCache.clear();
    snakeCache.set(name, out);
  }
  return out;
}

/** {@link toSnake} runs for every column of every row the stores read or write: its answers are kept. */
const snakeCache = new Map<string, string>();

/** The inverse of {@link toSnake}: `list_id` → `listId`. */
export function toCamel(name: string): string {
  return name.replace(/_([a-z0-9])/g, (_, c: string) => c.toUpperCase());
}

/** Names a collection or column may have: a letter, then letters and digits (camelCase). */
export const IDENTIFIER = /^[a-z][A-Za-z0-9]{0,62}$/;

/** Column names every record has, owned by the server. */
export const RESERVED_COLUMNS = ['id', 'version', 'updatedAt', 'updatedBy', 'deletedAt'] as const;

/**
 * Names that reach JavaScript's object machinery: as a key of a plain object, `__proto__` sets
 * the prototype instead of a property (JSON parsers and validators drop it silently), and
 * `constructor` or `prototype` shadow what code reading a row may call. Never a collection or
 * column, and refused as a key of `data` or `patch`.
 */
export const PROTOTYPE_NAMES = ['__proto__', 'constructor', 'prototype'] as const;

/** Whether `name` can never be a collection or column: server-owned, prototype-related, or `_…`. */
export function isReservedName(name: string): boolean {
  return (
    (RESERVED_COLUMNS as readonly string[]).includes(name) ||
    (PROTOTYPE_NAMES as readonly string[]).includes(name) ||
    name.startsWith('_')
  );
}

/**
 * Whether `name` could be a collection or column of some schema (decision 0003: only such a name,
 * unknown here, may mean the client is ahead; any other is a plain mistake).
 */
export function couldBeName(name: string): boolean {
  return IDENTIFIER.test(name) && !isReservedName(name);
}
