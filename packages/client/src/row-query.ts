import { SynclineError } from '@syncline/core';
import type { Comparison, LocalRow, Query } from './local-store.ts';

const COMPARISON_KEYS = new Set(['eq', 'ne', 'gt', 'gte', 'lt', 'lte', 'in']);
/** Metadata every visible row has besides the schema's columns. */
export const META_COLUMNS = ['id', 'version', 'updatedAt', 'updatedBy', 'deletedAt'] as const;

function isComparison(v: unknown): v is Comparison {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) return false;
  const keys = Object.keys(v);
  return keys.length > 0 && keys.every((k) => COMPARISON_KEYS.has(k));
}

/** Total order used by where and orderBy: null sorts first, booleans as 0/1, then numbers and strings. */
export function compare(a: unknown, b: unknown): number {
  if (a === b) return 0;
  if (a === null || a === undefined) return b === null || b === undefined ? 0 : -1;
  if (b === null || b === undefined) return 1;
  if (typeof a === 'boolean' || typeof b === 'boolean') return Number(a) - Number(b);
  // json columns: objects and arrays compare by their JSON text, as SQLite compares the stored text.
  if (typeof a === 'object' || typeof b === 'object') {
    const ja = JSON.stringify(a);
    const jb = JSON.stringify(b);
    return ja < jb ? -1 : ja > jb ? 1 : 0;
  }
  return (a as number | string) < (b as number | string)
    ? -1
    : (a as number | string) > (b as number | string)
      ? 1
      : 0;
}

function matches(row: LocalRow, where: Record<string, unknown>): boolean {
  for (const [col, cond] of Object.entries(where)) {
    const v = row[col];
    if (!isComparison(cond)) {
      if (compare(v, cond) !== 0) return false;
      continue;
    }
    // A null value never satisfies a range comparison; `ne` keeps it (null is not the value).
    const present = v !== null && v !== undefined;
    if ('eq' in cond && compare(v, cond.eq) !== 0) return false;
    if ('ne' in cond && compare(v, cond.ne) === 0) return false;
    if ('gt' in cond && !(present && compare(v, cond.gt) > 0)) return false;
    if ('gte' in cond && !(present && compare(v, cond.gte) >= 0)) return false;
    if ('lt' in cond && !(present && compare(v, cond.lt) < 0)) return false;
    if ('lte' in cond && !(present && compare(v, cond.lte) <= 0)) return false;
    if (cond.in && !cond.in.some((x) => compare(v, x) === 0)) return false;
  }
  return true;
}

/** Throws `invalid` when the query names a column the collection does not have. */
export function validateQuery(
  collection: string,
  columns: ReadonlySet<string> | undefined,
  q: Query,
): asserts columns {
  if (!columns)
    throw new SynclineError(
      'invalid',
      `Unknown collection "${collection}": it is not in the schema this store was opened with.`,
    );
  for (const [col, dir] of q.orderBy ?? []) {
    if (dir !== 'asc' && dir !== 'desc')
      throw new SynclineError('invalid', `orderBy direction for "${col}" must be 'asc' or 'desc'.`);
  }
  for (const [col, cond] of Object.entries(q.where ?? {})) {
    if (!isComparison(cond)) continue;
    if ('in' in cond && !Array.isArray(cond.in))
      throw new SynclineError('invalid', `"in" on "${col}" needs an array of values.`);
    for (const op of ['gt', 'gte', 'lt', 'lte'] as const) {
      if (op in cond && (cond[op] === null || cond[op] === undefined))
        throw new SynclineError('invalid', `"${op}" on "${col}" needs a value; null is not ordered.`);
    }
  }
  const named = [...Object.keys(q.where ?? {}), ...(q.orderBy ?? []).map(([col]) => col)];
  for (const col of named) {
    if (!columns.has(col))
      throw new SynclineError(
        'invalid',
        `Unknown column "${col}" in a query on "${collection}". Use a column of the schema or id, version, updatedAt, updatedBy, deletedAt.`,
      );
  }
}

/**
 * Filters, sorts and pages visible rows in memory, with the semantics the LocalStore conformance
 * suite fixes (the SQL store does the same in SQL). Used by the memory store, and by the
 * IndexedDB store, which cannot index booleans or null and so scans a collection's key range.
 * Rows must arrive in id order: the sort is stable, so id breaks ties.
 */
export function runQuery(rows: LocalRow[], q: Query): LocalRow[] {
  const where = q.where ?? {};
  const found = rows.filter((r) => matches(r, where));
  const order = q.orderBy ?? [];
  // Rows arrive in id order (the key order), and Array#sort is stable, so id breaks ties.
  if (order.length) {
    found.sort((a, b) => {
      for (const [col, dir] of order) {
        const c = compare(a[col], b[col]);
        if (c !== 0) return dir === 'asc' ? c : -c;
      }
      return 0;
    });
  }
  const start = q.offset ?? 0;
  return found.slice(start, q.limit === undefined ? undefined : start + q.limit);
}
