import type { LocalRecord, LocalRow } from '@syncline/client';
import { type CollectionDef, type ColumnKind, SynclineError, type WireRecord } from '@syncline/core';
import { toSnake } from '@syncline/core/internal';
import type { SqlRow, SqlValue } from './driver.ts';

/** A queryable field of a collection: its camelCase name, quoted SQL column and kind. */
export interface Field {
  name: string;
  sql: string;
  kind: ColumnKind;
}

/**
 * How one collection maps to its SQL table. The table holds the visible row in real columns
 * (so the app can `SELECT … WHERE _visible = 1` with plain SQL) plus the sync bookkeeping.
 */
export interface Table {
  collection: string;
  /** Quoted table name. */
  sql: string;
  /** The schema's columns, in schema order. */
  columns: Field[];
  /** Columns and metadata (`id`, `version`, `updatedAt`, `updatedBy`, `deletedAt`) by camelCase name. */
  fields: Map<string, Field>;
  /** The names of `fields`: what a query may name. */
  queryable: ReadonlySet<string>;
  upsert: string;
  /** `upsert` of {@link UPSERT_ROWS} rows (or fewer when the table is wide): one statement per chunk of a page. */
  upsertChunk: { rows: number; sql: string };
  selectById: string;
  /** `selectById` for a JSON array of ids (one statement per pull page). */
  selectByIds: string;
}

/** Identifiers come from a validated schema (letters and digits only); quoting guards keywords. */
export function quote(identifier: string): string {
  return `"${identifier.replaceAll('"', '""')}"`;
}

const META: readonly Field[] = [
  { name: 'id', sql: '"id"', kind: 'text' },
  { name: 'version', sql: '"version"', kind: 'integer' },
  { name: 'updatedAt', sql: '"updated_at"', kind: 'timestamp' },
  { name: 'updatedBy', sql: '"updated_by"', kind: 'text' },
  { name: 'deletedAt', sql: '"deleted_at"', kind: 'timestamp' },
];

/** SQL declared types: affinities that keep the app's own SQL natural (booleans 0/1, JSON as TEXT). */
export const SQL_TYPE: Record<ColumnKind, string> = {
  text: 'TEXT',
  integer: 'INTEGER',
  real: 'REAL',
  boolean: 'INTEGER',
  timestamp: 'TEXT',
  json: 'TEXT',
};

/**
 * Rows per multi-row upsert of `putRecords`: a bulk load binds one statement per chunk instead of
 * one per row. Its parameters stay within 999, the smallest `SQLITE_MAX_VARIABLE_NUMBER` of any
 * SQLite build (before 3.32), so every driver takes it.
 */
export const UPSERT_ROWS = 64;
const MAX_PARAMS = 999;

export function tableFor(def: CollectionDef): Table {
  const sql = quote(toSnake(def.name));
  const columns = Object.entries(def.columns).map(([name, col]) => ({
    name,
    sql: quote(toSnake(name)),
    kind: col.kind,
  }));
  const fields = new Map<string, Field>();
  for (const f of [...META, ...columns]) fields.set(f.name, f);
  const all = [...META, ...columns]
    .map((f) => f.sql)
    .concat(['"_visible"', '"_base"', '"_pending"', '"_marked"']);
  // An upsert, not INSERT OR REPLACE: REPLACE deletes the old row and would change its rowid.
  const upsert =
    `INSERT INTO ${sql} (${all.join(', ')}) VALUES (${all.map(() => '?').join(', ')}) ` +
    `ON CONFLICT ("id") DO UPDATE SET ${all
      .slice(1)
      .map((c) => `${c} = excluded.${c}`)
      .join(', ')}`;
  const rows = Math.max(1, Math.min(UPSERT_ROWS, Math.floor(MAX_PARAMS / all.length)));
  const values = `(${all.map(() => '?').join(', ')})`;
  return {
    collection: def.name,
    sql,
    columns,
    fields,
    queryable: new Set(fields.keys()),
    upsert,
    upsertChunk: {
      rows,
      sql: upsert.replace(
        `VALUES ${values}`,
        `VALUES ${Array.from({ length: rows }, () => values).join(', ')}`,
      ),
    },
    selectById: `SELECT * FROM ${sql} WHERE "id" = ?`,
    selectByIds: `SELECT * FROM ${sql} WHERE "id" IN (SELECT "value" FROM json_each(?))`,
  };
}

/** Converts a JS value of `kind` to what SQLite stores. */
export function encode(field: Field, value: unknown): SqlValue {
  if (value === null || value === undefined) return null;
  switch (field.kind) {
    case 'json':
      return JSON.stringify(value);
    case 'boolean':
      if (typeof value === 'boolean') return value ? 1 : 0;
      if (value === 0 || value === 1) return value;
      break;
    case 'integer':
    case 'real':
      if (typeof value === 'number' || typeof value === 'bigint') return value;
      break;
    case 'text':
    case 'timestamp':
      if (typeof value === 'string') return value;
      break;
  }
  throw new SynclineError(
    'invalid',
    `Field "${field.name}" holds ${field.kind} values, got ${typeof value}.`,
  );
}

/**
 * Converts a stored value back. Lenient on purpose: after a column changes kind in a new schema,
 * old rows keep their old SQLite type until the engine re-downloads the collection.
 */
export function decode(kind: ColumnKind, value: SqlValue | undefined): unknown {
  if (value === null || value === undefined) return null;
  switch (kind) {
    case 'json':
      return typeof value === 'string' ? JSON.parse(value) : value;
    case 'boolean':
      return Number(value) !== 0;
    case 'integer':
    case 'real':
      return typeof value === 'number' ? value : Number(value);
    case 'text':
    case 'timestamp':
      return typeof value === 'string' ? value : String(value);
  }
}

/** The bound parameters of `table.upsert` for `record`, in column order (appended to `params`). */
export function recordParams(table: Table, record: LocalRecord, params: SqlValue[] = []): SqlValue[] {
  const { row, base } = record;
  // An invisible record keeps its base's metadata so plain SQL over the table stays meaningful.
  const meta = row ?? {
    version: base?.version ?? 0,
    updatedAt: base?.updatedAt ?? null,
    updatedBy: base?.updatedBy ?? null,
    deletedAt: base?.deletedAt ?? null,
  };
  params.push(
    record.id,
    meta.version,
    meta.updatedAt ?? null,
    meta.updatedBy ?? null,
    meta.deletedAt ?? null,
  );
  for (const col of table.columns) params.push(row ? encode(col, row[col.name]) : null);
  const storedBase =
    base === null ? null : row !== null && baseIsRow(table, base, row) ? BASE_IS_ROW : JSON.stringify(base);
  params.push(row ? 1 : 0, storedBase, record.pending, record.marked ? 1 : 0);
  return params;
}

/**
 * `_base` of a record whose base is exactly its visible row (a pulled row without pending ops,
 * the bulk of every table): the base is read back from the row's own columns instead of a JSON
 * copy of the same values (decision 0028). Not JSON, so a reader that predates it fails loudly.
 */
export const BASE_IS_ROW = '=';

/** Wire metadata every base read back from the columns has, in record order. */
const BASE_META = ['id', 'version', 'updatedAt', 'updatedBy', 'deletedAt'] as const;

/**
 * Whether `base` comes back unchanged from the columns of `row`: a live base with every metadata
 * field and every schema column present (nothing else: a field of a newer server schema needs the
 * JSON copy), each value identical to the row's and of a type the column returns as it was.
 */
export function baseIsRow(table: Table, base: WireRecord, row: LocalRow): boolean {
  if (base.deletedAt !== null || row.deletedAt !== null) return false;
  const b = base as Record<string, unknown>;
  const r = row as Record<string, unknown>;
  if (Object.keys(b).length !== BASE_META.length + table.columns.length) return false;
  if (b.id !== r.id || !roundTrips('text', b.id)) return false;
  if (b.version !== r.version || typeof b.version !== 'number' || Object.is(b.version, -0)) return false;
  if (b.updatedAt !== r.updatedAt || b.updatedAt === null || !roundTrips('text', b.updatedAt)) return false;
  if (b.updatedBy !== r.updatedBy || !roundTrips('text', b.updatedBy)) return false;
  for (const col of table.columns) {
    const v = b[col.name];
    if (v !== r[col.name] || !roundTrips(col.kind, v)) return false;
  }
  return true;
}

type WellFormed = { isWellFormed?: () => boolean };

/** Whether `decode(kind, encode(value))` gives `value` back (as `===`, or as equal JSON). */
function roundTrips(kind: ColumnKind, value: unknown): boolean {
  if (value === null) return true;
  switch (kind) {
    case 'text':
    case 'timestamp':
      // A lone surrogate has no UTF-8 form: SQLite would hand back U+FFFD (core refuses such text).
      return typeof value === 'string' && (value as WellFormed).isWellFormed?.() !== false;
    case 'boolean':
      return typeof value === 'boolean';
    case 'integer':
    case 'real':
      return typeof value === 'number' && Number.isFinite(value) && !Object.is(value, -0);
    case 'json':
      // An object or array comes back as an equal copy; a string, number or boolean as itself.
      return value !== undefined && typeof value !== 'function' && typeof value !== 'bigint';
  }
}

/** The visible row of a stored table row (columns selected by `rowColumns`). */
export function decodeRow(table: Table, stored: SqlRow): LocalRow {
  const row: LocalRow = {
    id: String(stored.id),
    version: Number(stored.version ?? 0),
    updatedAt: stored.updated_at == null ? null : String(stored.updated_at),
    updatedBy: stored.updated_by == null ? null : String(stored.updated_by),
    deletedAt: stored.deleted_at == null ? null : String(stored.deleted_at),
  };
  for (const col of table.columns) row[col.name] = decode(col.kind, stored[unquote(col.sql)]);
  return row;
}

export function decodeRecord(table: Table, stored: SqlRow): LocalRecord {
  const row = Number(stored._visible) === 1 ? decodeRow(table, stored) : null;
  let base: WireRecord | null = null;
  if (stored._base === BASE_IS_ROW && row !== null) base = { ...row } as WireRecord;
  else if (typeof stored._base === 'string') base = JSON.parse(stored._base) as WireRecord;
  return {
    id: String(stored.id),
    base,
    row,
    pending: Number(stored._pending ?? 0),
    marked: Number(stored._marked ?? 0) === 1,
  };
}

/** The selected columns of a visible row, for queries. */
export function rowColumns(table: Table): string {
  return [...META, ...table.columns].map((f) => f.sql).join(', ');
}

export function unquote(sql: string): string {
  return sql.slice(1, -1).replaceAll('""', '"');
}
