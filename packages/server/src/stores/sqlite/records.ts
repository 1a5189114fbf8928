/**
 * Conversion between SQLite rows (snake_case, booleans as 0/1, json as TEXT) and wire records
 * (camelCase, typed), plus the per-collection statements the write transaction uses.
 */
import type { ColumnKind } from '@syncline/core';
import { rowMapper } from '../sql-rows.ts';

export { selectList } from '../sql-rows.ts';

/** SQLite cannot bind booleans or objects; everything else binds as is. */
export function toSqlParam(value: unknown): unknown {
  if (typeof value === 'boolean') return value ? 1 : 0;
  if (value === undefined) return null;
  return value;
}

/** A column value as SQLite stores it. */
function toSqlValue(kind: ColumnKind | undefined, value: unknown): unknown {
  if (value === null || value === undefined) return null;
  if (kind === 'json') return JSON.stringify(value);
  return toSqlParam(value);
}

function fromSqlValue(kind: ColumnKind | undefined, value: unknown): unknown {
  if (value === null || value === undefined) return null;
  if (kind === 'boolean') return value === 1 || value === true || value === '1';
  if (kind === 'json' && typeof value === 'string') {
    try {
      return JSON.parse(value);
    } catch {
      // Written by plain SQL as non-JSON text: deliver the text rather than fail the pull.
      return value;
    }
  }
  return value;
}

export const { rowToRecord, valuesToRecord, rowToStored, sqlAssignments } = rowMapper({
  fromSql: fromSqlValue,
  toSql: toSqlValue,
  fieldVersions(raw) {
    try {
      const v = JSON.parse(String(raw ?? '{}')) as unknown;
      return v && typeof v === 'object' ? (v as Record<string, unknown>) : null;
    } catch {
      // A corrupt _fv only weakens merge-fields to "every field at version 0".
      return null;
    }
  },
});
