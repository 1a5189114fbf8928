/**
 * DDL for the SQLite server store (decision 0001): real tables per collection, a commit-ordered
 * counter, triggers that stamp `version`/`updated_at`/`_fv` and record gone-markers, so that writes
 * from any connection (the app's own SQL included) are synced.
 */
import type { CollectionDef, ColumnKind } from '@syncline/core';
import { toSnake } from '@syncline/core/internal';
import { bookkeepingColumns, columnDdlFor, q } from '../sql-rows.ts';

/** ISO 8601 UTC with milliseconds, computed by SQLite itself so plain SQL writers get it too. */
export const NOW_SQL = "strftime('%Y-%m-%dT%H:%M:%fZ','now')";
const COUNTER = '(SELECT value FROM _syncline_counter WHERE id = 1)';
export const WRITER = '(SELECT user_id FROM _syncline_writer WHERE id = 1)';
/**
 * Present (a `_syncline_meta` row, never committed) only while one of the sync server's own
 * statements writes rows it stamps itself (write-tx.ts): the triggers then leave those rows alone.
 */
export const STAMPING_KEY = 'stamping';
const NOT_STAMPING = `NOT EXISTS (SELECT 1 FROM _syncline_meta WHERE key = '${STAMPING_KEY}')`;
/** The comment in a stamping-aware update trigger naming its scope candidates (JSON). */
export const STAMPED_MARK = '-- stamped writes, scope candidates: ';

/** Bookkeeping tables shared by every collection. */
export const META_DDL = `
CREATE TABLE IF NOT EXISTS _syncline_meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS _syncline_counter (id INTEGER PRIMARY KEY CHECK (id = 1), value INTEGER NOT NULL);
INSERT OR IGNORE INTO _syncline_counter (id, value) VALUES (1, 0);
CREATE TABLE IF NOT EXISTS _syncline_gone (
  collection TEXT NOT NULL, id TEXT NOT NULL, version INTEGER NOT NULL, deleted_at TEXT NOT NULL, old TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS _syncline_gone_by_version ON _syncline_gone (collection, version);
-- The change feed reads markers of every collection above a version (decision 0013).
CREATE INDEX IF NOT EXISTS _syncline_gone_feed ON _syncline_gone (version);
CREATE TABLE IF NOT EXISTS _syncline_horizon (collection TEXT PRIMARY KEY, version INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS _syncline_clients (
  client_id TEXT PRIMARY KEY, user_id TEXT NOT NULL, last_seq INTEGER NOT NULL DEFAULT 0
);
-- The user a write transaction of the sync server writes for (the triggers' updated_by). Set
-- inside the server's own transactions only and emptied before they commit, so a plain-SQL
-- writer, on any connection, always sees it empty and writes NULL.
CREATE TABLE IF NOT EXISTS _syncline_writer (id INTEGER PRIMARY KEY CHECK (id = 1), user_id TEXT);
CREATE TABLE IF NOT EXISTS _syncline_outcomes (
  client_id TEXT NOT NULL, seq INTEGER NOT NULL, result TEXT NOT NULL, PRIMARY KEY (client_id, seq)
) WITHOUT ROWID;
`;

export const SQL_TYPE: Record<ColumnKind, string> = {
  text: 'TEXT',
  integer: 'INTEGER',
  real: 'REAL',
  boolean: 'INTEGER',
  timestamp: 'TEXT',
  json: 'TEXT',
};

export { q };

/** The SQL definition of one schema column (see `columnDdlFor`). */
export const columnDdl = columnDdlFor(SQL_TYPE, { true: '1', false: '0', jsonSuffix: '' });

/** Bookkeeping columns every collection table has, besides `id`. */
export const BOOKKEEPING_COLUMNS: ReadonlyArray<[string, string]> = bookkeepingColumns(SQL_TYPE);

export function createTableDdl(col: CollectionDef): string {
  const cols = Object.entries(col.columns).map(([n, d]) =>
    columnDdl(n, d.kind, d.nullable, d.defaultValue, false),
  );
  const book = BOOKKEEPING_COLUMNS.map(([n, d]) => `${q(n)} ${d}`);
  return `CREATE TABLE IF NOT EXISTS ${q(toSnake(col.name))} (id TEXT PRIMARY KEY NOT NULL, ${[...cols, ...book].join(', ')})`;
}

/** Indexes from the schema plus the pull index (version) and, when known, (scope, version). */
export function indexDdl(col: CollectionDef, scopeColumns: readonly string[]): string[] {
  const table = toSnake(col.name);
  const out = [`CREATE INDEX IF NOT EXISTS ${q(`${table}__sl_version`)} ON ${q(table)} (version)`];
  for (const [i, c] of scopeColumns.entries()) {
    const name = i === 0 ? `${table}__sl_scope_version` : `${table}__sl_scope_${toSnake(c)}_version`;
    out.push(`CREATE INDEX IF NOT EXISTS ${q(name)} ON ${q(table)} (${q(toSnake(c))}, version)`);
  }
  for (const [name, cols] of Object.entries(col.indexes)) {
    const list = cols.map((c) => q(toSnake(c))).join(', ');
    out.push(`CREATE INDEX IF NOT EXISTS ${q(`${table}_${toSnake(name)}`)} ON ${q(table)} (${list})`);
  }
  return out;
}

/** `json_set` over many paths, chunked to stay below SQLite's function-argument limit. */
function jsonSetChunked(base: string, pairs: Array<[string, string]>): string {
  let expr = base;
  for (let i = 0; i < pairs.length; i += 50) {
    const args = pairs.slice(i, i + 50).flatMap(([path, value]) => [`'$.${path}'`, value]);
    expr = `json_set(${expr}, ${args.join(', ')})`;
  }
  return expr;
}

/**
 * The new `_fv` of an updated row: each column's version is `version` if its value changes, else
 * what it was (0 when never recorded). `oldOf`/`newOf` spell a column's old and new values, `fv`
 * the old `_fv`. The update trigger and the server's own stamped updates (write-tx.ts) share it.
 */
export function fieldVersionsSql(
  columns: readonly string[],
  fv: string,
  version: string,
  oldOf: (column: string) => string,
  newOf: (column: string) => string,
): string {
  return jsonSetChunked(
    `COALESCE(${fv}, '{}')`,
    columns.map((c) => {
      const kept = `COALESCE(json_extract(${fv}, '$.${c}'), 0)`;
      const next = newOf(c);
      const old = oldOf(c);
      return [c, next === old ? kept : `CASE WHEN ${next} IS NOT ${old} THEN ${version} ELSE ${kept} END`];
    }),
  );
}

function jsonObjectOf(prefix: 'OLD' | 'NEW', columns: readonly string[]): string {
  if (columns.length === 0) return "'{}'";
  return jsonSetChunked(
    "'{}'",
    columns.map((c) => [c, `${prefix}.${q(c)}`]),
  );
}

/**
 * Triggers of one collection table. Re-created on every migrate so they follow the columns.
 *
 * - AFTER INSERT: bump the counter, stamp version/updated_at, and updated_by from
 *   `_syncline_writer` (the pushing user inside the sync server's transactions, else NULL).
 * - AFTER UPDATE: same (updated_by included), and bump the field versions of changed columns in `_fv`. It fires only for
 *   writes that did not set `version` to the current counter, i.e. not for its own stamping update
 *   (which is why plain SQL must never write `version` itself).
 * - An update that changes a scope-candidate column (or the id) leaves a gone-marker holding the
 *   old values, so clients of the old scope key receive a tombstone.
 * - AFTER DELETE leaves a gone-marker, except while GC removes old tombstones.
 *
 * `scopeCandidates`: snake_case columns that may be a scope column.
 */
export function triggerDdl(col: CollectionDef, scopeCandidates: readonly string[]): string[] {
  const table = toSnake(col.name);
  const t = q(table);
  const name = (suffix: string) => q(`${table}__sl_${suffix}`);
  const columns = Object.keys(col.columns).map(toSnake);
  const lit = `'${table}'`;
  const fv = fieldVersionsSql(
    columns,
    'OLD._fv',
    COUNTER,
    (c) => `OLD.${q(c)}`,
    (c) => `NEW.${q(c)}`,
  );
  const moved = ['id', ...scopeCandidates].map((c) => `OLD.${q(c)} IS NOT NEW.${q(c)}`).join(' OR ');
  const oldScope = jsonObjectOf('OLD', scopeCandidates);
  return [
    `DROP TRIGGER IF EXISTS ${name('ai')}`,
    `DROP TRIGGER IF EXISTS ${name('au')}`,
    `DROP TRIGGER IF EXISTS ${name('ad')}`,
    `CREATE TRIGGER ${name('ai')} AFTER INSERT ON ${t}
WHEN ${NOT_STAMPING} BEGIN
  UPDATE _syncline_counter SET value = value + 1 WHERE id = 1;
  UPDATE ${t} SET version = ${COUNTER}, updated_at = ${NOW_SQL}, updated_by = ${WRITER}, _fv = '{}' WHERE rowid = NEW.rowid;
END`,
    `CREATE TRIGGER ${name('au')} AFTER UPDATE ON ${t}
WHEN (NEW.version IS OLD.version OR NEW.version IS NOT ${COUNTER}) AND ${NOT_STAMPING} BEGIN
  ${STAMPED_MARK}${JSON.stringify(scopeCandidates)}
  UPDATE _syncline_counter SET value = value + 1 WHERE id = 1;
  INSERT INTO _syncline_gone (collection, id, version, deleted_at, old)
    SELECT ${lit}, OLD.id, ${COUNTER}, ${NOW_SQL}, ${oldScope} WHERE ${moved};
  -- The marker and the row never share a version: a page that ends on one must not skip the other.
  UPDATE _syncline_counter SET value = value + 1 WHERE id = 1 AND (${moved});
  UPDATE ${t} SET version = ${COUNTER}, updated_at = ${NOW_SQL}, updated_by = ${WRITER}, _fv = ${fv} WHERE rowid = NEW.rowid;
END`,
    `CREATE TRIGGER ${name('ad')} AFTER DELETE ON ${t}
WHEN NOT EXISTS (SELECT 1 FROM _syncline_meta WHERE key = 'gc_running') BEGIN
  UPDATE _syncline_counter SET value = value + 1 WHERE id = 1;
  INSERT INTO _syncline_gone (collection, id, version, deleted_at, old)
    VALUES (${lit}, OLD.id, ${COUNTER}, ${NOW_SQL}, ${oldScope});
END`,
  ];
}

export { scopeCandidates, scopeIndexColumns } from '../sql-rows.ts';
