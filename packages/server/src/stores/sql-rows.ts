/**
 * Row ↔ record mapping shared by the SQL stores (SQLite, PostgreSQL). Each store supplies only
 * how one column value is read and written in its dialect; the shape of a record (camelCase
 * columns plus id/version/updatedAt/updatedBy/deletedAt) and of the field versions is the same everywhere.
 */
import type { CollectionDef, ColumnKind, WireRecord } from '@syncline/core';
import { toSnake } from '@syncline/core/internal';
import type { ScopeFilter, StoredRecord } from './types.ts';

export type Row = Record<string, unknown>;

/** Double-quotes an identifier; names come from a validated schema, quoting guards keywords. */
export function q(name: string): string {
  return `"${name.replace(/"/g, '""')}"`;
}

/** The SELECT list for a collection's rows, in a fixed order. */
export function selectList(col: CollectionDef, alias = ''): string {
  const byAlias = selectLists.get(col) ?? new Map<string, string>();
  selectLists.set(col, byAlias);
  let list = byAlias.get(alias);
  if (list === undefined) {
    const p = alias ? `${alias}.` : '';
    const cols = Object.keys(col.columns).map((c) => `${p}${q(toSnake(c))}`);
    list = [`${p}id`, ...cols, `${p}version`, `${p}updated_at`, `${p}updated_by`, `${p}deleted_at`].join(
      ', ',
    );
    byAlias.set(alias, list);
  }
  return list;
}

/** Built once per collection definition (and alias): every statement of a push reads it. */
const selectLists = new WeakMap<CollectionDef, Map<string, string>>();

export interface RowCodec {
  /** A column value as the dialect returns it → the wire value. */
  fromSql(kind: ColumnKind | undefined, value: unknown): unknown;
  /** A wire value → a query parameter of the dialect. */
  toSql(kind: ColumnKind | undefined, value: unknown): unknown;
  /** The `_fv` column as the dialect returns it → an object (snake_case column → version), or null. */
  fieldVersions(raw: unknown): Record<string, unknown> | null;
}

/** A collection's columns as (camelCase name, snake_case name, kind), in `selectList` order. */
export function columnList(col: CollectionDef): ReadonlyArray<readonly [string, string, ColumnKind]> {
  let list = columnLists.get(col);
  if (list === undefined) {
    list = Object.entries(col.columns).map(([name, def]) => [name, toSnake(name), def.kind] as const);
    columnLists.set(col, list);
  }
  return list;
}

/** Built once per collection definition: a pull page maps a thousand rows through it. */
const columnLists = new WeakMap<CollectionDef, ReadonlyArray<readonly [string, string, ColumnKind]>>();

/** Record readers and writers of one dialect. */
export function rowMapper(codec: RowCodec) {
  /** A row read with `selectList` as a wire record. */
  const rowToRecord = (col: CollectionDef, row: Row): WireRecord => {
    const rec: WireRecord = {
      id: String(row.id),
      version: Number(row.version),
      updatedAt: (row.updated_at as string | null) ?? '',
      updatedBy: (row.updated_by as string | null) ?? null,
      deletedAt: (row.deleted_at as string | null) ?? null,
    };
    for (const [name, snake, kind] of columnList(col)) rec[name] = codec.fromSql(kind, row[snake]);
    return rec;
  };
  /**
   * A row read with `selectList` as an array (its values in that order: id, the columns,
   * version, updated_at, updated_by, deleted_at) as a wire record, without a keyed row in between.
   */
  const valuesToRecord = (col: CollectionDef, values: readonly unknown[]): WireRecord => {
    const columns = columnList(col);
    const n = columns.length;
    const rec: WireRecord = {
      id: String(values[0]),
      version: Number(values[n + 1]),
      updatedAt: (values[n + 2] as string | null) ?? '',
      updatedBy: (values[n + 3] as string | null) ?? null,
      deletedAt: (values[n + 4] as string | null) ?? null,
    };
    for (let i = 0; i < n; i++) rec[columns[i]![0]] = codec.fromSql(columns[i]![2], values[i + 1]);
    return rec;
  };
  /** A row with `_fv` as a record and its field versions (missing or corrupt count as 0). */
  const rowToStored = (col: CollectionDef, row: Row): StoredRecord => {
    const fieldVersions: Record<string, number> = {};
    const raw = codec.fieldVersions(row._fv);
    if (raw) {
      for (const name of Object.keys(col.columns)) {
        const v = raw[toSnake(name)];
        if (typeof v === 'number') fieldVersions[name] = v;
      }
    }
    return { record: rowToRecord(col, row), fieldVersions };
  };
  /** A column value of `col` as a query parameter. */
  const toSqlValue = (col: CollectionDef, name: string, value: unknown): unknown =>
    codec.toSql(col.columns[name]?.kind, value);
  /** Keeps only the schema's columns of `data`, as [snake name, parameter value] pairs. */
  const sqlAssignments = (col: CollectionDef, data: Record<string, unknown>): Array<[string, unknown]> => {
    const out: Array<[string, unknown]> = [];
    for (const [name, value] of Object.entries(data)) {
      if (!Object.hasOwn(col.columns, name) || value === undefined) continue;
      out.push([toSnake(name), toSqlValue(col, name, value)]);
    }
    return out;
  };
  return { rowToRecord, valuesToRecord, rowToStored, toSqlValue, sqlAssignments };
}

/** The declared scope columns that get a (scope, position) index (`id` has its own). */
export function scopeIndexColumns(
  col: CollectionDef,
  declared: string | readonly string[] | undefined,
): string[] {
  if (declared === undefined || declared === 'public') return [];
  const named = typeof declared === 'string' ? [declared] : declared;
  return named.filter((c) => c !== 'id' && Object.hasOwn(col.columns, c));
}

/** The scope as OR-ed (column, keys) pairs; null for every row. */
export function scopeTerms(
  scope: ScopeFilter,
): ReadonlyArray<{ column: string; keys: readonly string[] }> | null {
  if (scope.kind === 'public') return null;
  if (scope.kind === 'keys') return [{ column: scope.column, keys: scope.keys }];
  return scope.of;
}

/**
 * Columns whose old values a gone-marker keeps, so that clients of an old scope key learn that a
 * row left it: the declared scope column, or — when the store was not told the scope columns —
 * every column that could be one (any kind but json).
 */
export function scopeCandidates(
  col: CollectionDef,
  declared: string | readonly string[] | undefined,
): string[] {
  // `id` is no column of `old`: a changed id is always recorded, under the old id.
  const named =
    declared === undefined || declared === 'public'
      ? []
      : typeof declared === 'string'
        ? [declared]
        : declared;
  const columns = named.filter((c) => c !== 'id');
  if (named.length > 0 && columns.every((c) => Object.hasOwn(col.columns, c))) return columns.map(toSnake);
  return Object.entries(col.columns)
    .filter(([, d]) => d.kind !== 'json')
    .map(([name]) => toSnake(name));
}

/** How a dialect spells the default values of columns in DDL, where parameters cannot be used. */
export interface LiteralSpelling {
  /** `true` and `false` of a boolean column. */
  true: string;
  false: string;
  /** Appended to the quoted JSON text of a json column's default (a cast, or nothing). */
  jsonSuffix: string;
}

/** A default value as an SQL literal of the column's kind. */
export function literalFor(spelling: LiteralSpelling) {
  const quote = (text: string) => `'${text.replace(/'/g, "''")}'`;
  return (kind: ColumnKind, value: unknown): string => {
    if (value === null) return 'NULL';
    if (kind === 'boolean') return value ? spelling.true : spelling.false;
    if (kind === 'json') return `${quote(JSON.stringify(value))}${spelling.jsonSuffix}`;
    if (typeof value === 'number') return String(value);
    return quote(String(value));
  };
}

/**
 * The column-definition builder of a dialect: `columnDdl(name, kind, nullable, default, adding)`.
 * `adding` (ALTER TABLE ADD COLUMN) drops NOT NULL when there is no default: existing rows have
 * no value for the new column.
 */
export function columnDdlFor(sqlType: Readonly<Record<ColumnKind, string>>, spelling: LiteralSpelling) {
  const literal = literalFor(spelling);
  return (
    name: string,
    kind: ColumnKind,
    nullable: boolean,
    defaultValue: unknown,
    adding: boolean,
  ): string => {
    let ddl = `${q(toSnake(name))} ${sqlType[kind]}`;
    const hasDefault = defaultValue !== undefined && defaultValue !== null;
    if (hasDefault) ddl += ` DEFAULT ${literal(kind, defaultValue)}`;
    if (!nullable && (!adding || hasDefault)) ddl += ' NOT NULL';
    return ddl;
  };
}

/**
 * The bookkeeping columns every collection table has besides `id`, in the dialect's column
 * types: `version`, `updated_at`, `updated_by`, `deleted_at` and the field versions `_fv`.
 */
export function bookkeepingColumns(sqlType: Readonly<Record<ColumnKind, string>>): Array<[string, string]> {
  return [
    ['version', `${sqlType.integer} NOT NULL DEFAULT 0`],
    ['updated_at', sqlType.timestamp],
    ['updated_by', sqlType.text],
    ['deleted_at', sqlType.timestamp],
    ['_fv', `${sqlType.json} NOT NULL DEFAULT '{}'`],
  ];
}
