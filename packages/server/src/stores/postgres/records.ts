/**
 * Conversion between PostgreSQL rows (snake_case) and wire records (camelCase, typed), and the
 * pool's type parsers, which make `bigint` a number and `timestamptz` an ISO 8601 UTC string
 * with milliseconds — the wire format — for records and rules alike.
 */
import type { CollectionDef, WireRecord } from '@syncline/core';
import { toSnake } from '@syncline/core';
import pg from 'pg';
import type { StoredRecord } from '../types.ts';
import { q } from './sql.ts';

type Row = Record<string, unknown>;

const INT8 = 20;
const TIMESTAMPTZ = 1184;

const parseTimestamptz = pg.types.getTypeParser(TIMESTAMPTZ, 'text') as (text: string) => unknown;

/**
 * Type parsers of the store's pool. `bigint` becomes a number while it is a safe integer (every
 * version and integer column is), otherwise stays a string rather than losing digits.
 */
export const pgTypes: pg.CustomTypesConfig = {
  getTypeParser: ((oid: number, format?: string) => {
    if (format === undefined || format === 'text') {
      if (oid === INT8) {
        return (text: string) => {
          const n = Number(text);
          return Number.isSafeInteger(n) ? n : text;
        };
      }
      if (oid === TIMESTAMPTZ) {
        return (text: string) => {
          const d = parseTimestamptz(text);
          // 'infinity' and years outside JS dates stay PostgreSQL text rather than become "Invalid Date".
          return d instanceof Date && !Number.isNaN(d.getTime()) ? d.toISOString() : text;
        };
      }
    }
    return pg.types.getTypeParser(oid, format as 'text');
  }) as pg.CustomTypesConfig['getTypeParser'],
};

/** A column value as a query parameter: json travels as JSON text (pg would turn arrays into PostgreSQL arrays). */
export function toSqlValue(col: CollectionDef, name: string, value: unknown): unknown {
  if (value === null || value === undefined) return null;
  if (col.columns[name]?.kind === 'json') return JSON.stringify(value);
  return value;
}

function fromSqlValue(kind: string | undefined, value: unknown): unknown {
  if (value === null || value === undefined) return null;
  if (kind === 'integer' || kind === 'real') return typeof value === 'string' ? Number(value) : value;
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
  const raw = row._fv;
  if (raw && typeof raw === 'object') {
    for (const name of Object.keys(col.columns)) {
      const v = (raw as Record<string, unknown>)[toSnake(name)];
      if (typeof v === 'number') fieldVersions[name] = v;
    }
  }
  return { record: rowToRecord(col, row), fieldVersions };
}

/** Keeps only the schema's columns of `data`, as [snake name, parameter value] pairs. */
export function sqlAssignments(col: CollectionDef, data: Record<string, unknown>): Array<[string, unknown]> {
  const out: Array<[string, unknown]> = [];
  for (const [name, value] of Object.entries(data)) {
    if (!Object.hasOwn(col.columns, name) || value === undefined) continue;
    out.push([toSnake(name), toSqlValue(col, name, value)]);
  }
  return out;
}
