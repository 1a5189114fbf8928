import type { ColumnDef } from './columns.ts';
import type { CollectionDef } from './define.ts';
import { isReservedName, PROTOTYPE_NAMES } from './names.ts';
import { isStorableText, safeLabel, textProblem } from './text.ts';

/** One problem with an input, located by a path such as `title` or `data.done`. */
export interface Issue {
  /** The field at fault (`''` for the whole value). */
  path: string;
  /** What is wrong with it. */
  message: string;
}

/**
 * What validating an insert or a patch gives: the checked value, or the issues (and the unknown
 * columns, for `schema_ahead`).
 */
export type ValidationResult<T> =
  | { ok: true; value: T; unknownColumns: [] }
  | { ok: false; issues: Issue[]; unknownColumns: string[] };

const ISO_UTC_MS = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;
const MAX_ID_LENGTH = 128;
const MAX_JSON_DEPTH = 32;

/** A record id: a non-empty string of at most 128 characters, storable exactly (see text.ts). */
export function validateId(id: unknown): string | null {
  if (typeof id !== 'string' || id.length === 0) return 'id must be a non-empty string.';
  if (id.length > MAX_ID_LENGTH) return `id must be at most ${MAX_ID_LENGTH} characters.`;
  const problem = textProblem(id);
  return problem === null ? null : `id ${problem}`;
}

function jsonDepthOk(value: unknown, depth: number): boolean {
  if (depth > MAX_JSON_DEPTH) return false;
  if (typeof value === 'string') return isStorableText(value);
  if (value === null || typeof value === 'boolean') return true;
  if (typeof value === 'number') return Number.isFinite(value);
  if (Array.isArray(value)) return value.every((v) => jsonDepthOk(v, depth + 1));
  if (typeof value === 'object' && Object.getPrototypeOf(value) === Object.prototype) {
    // A nested "__proto__" key would set the prototype of whatever object code copies it into.
    return Object.entries(value as object).every(
      ([k, v]) => k !== '__proto__' && isStorableText(k) && jsonDepthOk(v, depth + 1),
    );
  }
  return false;
}

/** Returns why `value` does not fit `col`, or null when it does. */
export function checkValue(col: ColumnDef, value: unknown): string | null {
  if (value === null) return col.nullable ? null : 'is required and cannot be null.';
  switch (col.kind) {
    case 'text':
      if (typeof value !== 'string') return `must be text, got ${describe(value)}.`;
      return textProblem(value);
    case 'integer':
      return Number.isSafeInteger(value) ? null : `must be a whole number, got ${describe(value)}.`;
    case 'real':
      return typeof value === 'number' && Number.isFinite(value)
        ? null
        : `must be a number, got ${describe(value)}.`;
    case 'boolean':
      return typeof value === 'boolean' ? null : `must be true or false, got ${describe(value)}.`;
    case 'timestamp':
      return typeof value === 'string' && ISO_UTC_MS.test(value) && !Number.isNaN(Date.parse(value))
        ? null
        : `must be an ISO 8601 UTC timestamp with milliseconds (like 2026-11-25T13:00:00.000Z), got ${describe(value)}.`;
    case 'json':
      return jsonDepthOk(value, 0)
        ? null
        : 'must be a JSON value (objects without "__proto__" keys, arrays, strings without U+0000 or unpaired surrogates, finite numbers, booleans, null) at most 32 levels deep.';
  }
}

function describe(value: unknown): string {
  if (typeof value === 'string') return value.length > 40 ? 'a long string' : JSON.stringify(value);
  if (Array.isArray(value)) return 'an array';
  return value === null
    ? 'null'
    : typeof value === 'object'
      ? 'an object'
      : `${typeof value} ${String(value)}`;
}

/**
 * The issue for a key that is no column. The key is client text: it is escaped (safeLabel), since
 * the issue is stored with the outcome and shown to people.
 */
function unknownKey(collection: CollectionDef, key: string): Issue {
  const path = safeLabel(key);
  if ((PROTOTYPE_NAMES as readonly string[]).includes(key))
    return { path, message: 'is a reserved name (it would change the object prototype), not a column.' };
  if (isReservedName(key)) return { path, message: 'is owned by the server and cannot be written.' };
  return { path, message: `is not a column of "${collection.name}".` };
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** The columns of a collection as [name, def] pairs, listed once per collection (inserts run per row). */
const COLUMNS = new WeakMap<CollectionDef, ReadonlyArray<readonly [string, ColumnDef]>>();
function columnsOf(collection: CollectionDef): ReadonlyArray<readonly [string, ColumnDef]> {
  let list = COLUMNS.get(collection);
  if (!list) {
    list = Object.entries(collection.columns);
    COLUMNS.set(collection, list);
  }
  return list;
}

/**
 * Validates the columns of an insert; fills defaults and `null` for omitted optional columns.
 * Unknown columns are reported separately so that a server can tell a client ahead of it.
 */
export function validateInsert(
  collection: CollectionDef,
  data: unknown,
): ValidationResult<Record<string, unknown>> {
  if (!isPlainObject(data))
    return { ok: false, issues: [{ path: 'data', message: 'must be an object.' }], unknownColumns: [] };
  const issues: Issue[] = [];
  const unknownColumns: string[] = [];
  const value: Record<string, unknown> = {};
  for (const key of Object.keys(data)) {
    if (!Object.hasOwn(collection.columns, key)) {
      unknownColumns.push(key);
      issues.push(unknownKey(collection, key));
    }
  }
  for (const [name, col] of columnsOf(collection)) {
    // Own properties only: a column named like an Object.prototype member must not read it.
    let v = Object.hasOwn(data, name) ? data[name] : undefined;
    if (v === undefined) {
      if (col.defaultValue === undefined) {
        issues.push({ path: name, message: 'is required.' });
        continue;
      }
      v = col.defaultValue;
    }
    const problem = checkValue(col, v);
    if (problem) issues.push({ path: name, message: problem });
    else value[name] = v;
  }
  return issues.length ? { ok: false, issues, unknownColumns } : { ok: true, value, unknownColumns: [] };
}

/** Validates an update patch: a non-empty subset of the columns. */
export function validatePatch(
  collection: CollectionDef,
  patch: unknown,
): ValidationResult<Record<string, unknown>> {
  if (!isPlainObject(patch))
    return { ok: false, issues: [{ path: 'patch', message: 'must be an object.' }], unknownColumns: [] };
  const issues: Issue[] = [];
  const unknownColumns: string[] = [];
  const value: Record<string, unknown> = {};
  for (const [key, v] of Object.entries(patch)) {
    const col = Object.hasOwn(collection.columns, key) ? collection.columns[key] : undefined;
    if (!col) {
      unknownColumns.push(key);
      issues.push(unknownKey(collection, key));
      continue;
    }
    if (v === undefined) continue;
    const problem = checkValue(col, v);
    if (problem) issues.push({ path: key, message: problem });
    else value[key] = v;
  }
  if (!issues.length && Object.keys(value).length === 0)
    issues.push({ path: 'patch', message: 'must change at least one column.' });
  return issues.length ? { ok: false, issues, unknownColumns } : { ok: true, value, unknownColumns: [] };
}
