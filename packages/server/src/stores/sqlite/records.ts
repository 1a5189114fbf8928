/**
 * Conversion between SQLite rows (snake_case, booleans as 0/1, json as TEXT) and wire records
 * (camelCase, typed), plus the per-collection statements the write transaction uses.
 */
import type { CollectionDef, WireRecord } from '@syncline/core';
import { toSnake } from '@syncline/core';
import type { StoredRecord } from '../types.ts';
import { q } from './ddl.ts';

type Row = Record<string, unknown>;

/** SQLite cannot bind booleans or objects; everything else binds as is. */
export function toSqlParam(value: unknown): unknown {
  if (typeof value === 'boolean') return value ? 1 : 0;
  if (value === undefined) return null;
  return value;
}

/** A column value as SQLite stores it. */
export function toSqlValue(col: CollectionDef, name: string, value: unknown): unknown {
  const def = col.columns[name];
  if (value === null || value === undefined) return null;
  if (def?.kind === 'json') return JSON.stringify(value);
  return toSqlParam(value);
}

function fromSqlValue(kind: string | undefined, value: unknown): unknown {
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

/** The SELECT list for a collection's rows, in a fixed order. */
export function selectList(col: CollectionDef, alias = ''): string {
  const p = alias ? `${alias}.` : '';
  const cols = Object.keys(col.columns).map((c) => `${p}${q(toSnake(c))}`);
  return [`${p}id`, ...cols, `${p}version`, `${p}updated_at`, `${p}deleted_at`].join(', ');
}

/** A row read with `selectList` as a wire record. */
export function rowToRecord(col: CollectionDef, row: Row): WireRecord {
  const rec: WireRecord = {
    id: String(row.id),
    version: Number(row.version),
    updatedAt: (row.updated_at as string | null) ?? '',
    deletedAt: (row.deleted_at as string | null) ?? null,
  };
  for (const [name, def] of Object.entries(col.columns)) {
    rec[name] = fromSqlValue(def.kind, row[toSnake(name)]);
  }
  return rec;
}

export function rowToStored(col: CollectionDef, row: Row): StoredRecord {
  const fieldVersions: Record<string, number> = {};
  try {
    const raw = JSON.parse(String(row._fv ?? '{}')) as Record<string, unknown>;
    for (const name of Object.keys(col.columns)) {
      const v = raw[toSnake(name)];
      if (typeof v === 'number') fieldVersions[name] = v;
    }
  } catch {
    // A corrupt _fv only weakens merge-fields to "every field at version 0".
  }
  return { record: rowToRecord(col, row), fieldVersions };
}

/** Keeps only the schema's columns of `data`, as [snake name, SQL value] pairs. */
export function sqlAssignments(col: CollectionDef, data: Record<string, unknown>): Array<[string, unknown]> {
  const out: Array<[string, unknown]> = [];
  for (const [name, value] of Object.entries(data)) {
    if (!Object.hasOwn(col.columns, name) || value === undefined) continue;
    out.push([toSnake(name), toSqlValue(col, name, value)]);
  }
  return out;
}
