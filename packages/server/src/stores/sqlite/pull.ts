/**
 * One pull page from SQLite (decision 0001). Runs inside one read transaction, so rows, gone-markers
 * and the counter come from one snapshot. `version` is commit-ordered because SQLite has a single
 * writer and the counter is bumped under the write lock.
 */
import type { CollectionDef, ColumnKind, SchemaDef } from '@syncline/core';
import { getCollection, toSnake } from '@syncline/core/internal';
import type Database from 'better-sqlite3';
import { leftAfter, splitEstimate, withEstimate } from '../pull-estimate.ts';
import { rawPage } from '../raw-changes.ts';
import { orderedRowsSql } from '../sql-pull.ts';
import { columnList, scopeIndexColumns, scopeTerms } from '../sql-rows.ts';
import type { RawChanges, ScopeFilter, StorePullRequest, StorePullResult } from '../types.ts';

type Read = StorePullRequest['collections'][number];

import { q } from './ddl.ts';
import { readHistory } from './history.ts';
import { encodePosition, parsePosition } from './position.ts';
import { selectList, valuesToRecord } from './records.ts';
import { sqliteDialect } from './sql.ts';

/** The store's `scopeColumns` option. */
type ScopeColumns = Readonly<Record<string, string | readonly string[]>>;

interface Item {
  /** The read it belongs to (the request's key). */
  read: string;
  version: number;
  id: string;
  /** The record's wire JSON (decision 0033). */
  text: string;
}

/**
 * SQL condition and params restricting `expr` to the scope: one `IN` per scope column, OR-ed;
 * keys travel as one JSON array per column (any count, even 0). `expr` gets the snake_case column.
 */
function scopeSql(scope: ScopeFilter, expr: (column: string) => string): { sql: string; params: unknown[] } {
  const terms = scopeTerms(scope);
  if (terms === null) return { sql: '1', params: [] };
  if (terms.length === 0) return { sql: '0', params: [] };
  return {
    sql: `(${terms.map((t) => `${expr(toSnake(t.column))} IN (SELECT value FROM json_each(?))`).join(' OR ')})`,
    params: terms.map((t) => JSON.stringify(t.keys)),
  };
}

export function pullPage(
  db: Database.Database,
  schema: SchemaDef,
  generation: string,
  request: StorePullRequest,
  scopeColumns: ScopeColumns = {},
): StorePullResult {
  const limit = Math.max(1, Math.floor(request.limit));
  const counter = (
    statement(db, 'SELECT value FROM _syncline_counter WHERE id = 1').get() as { value: number }
  ).value;
  const history = readHistory(db, generation, counter);
  const horizons = new Map(
    (
      statement(db, 'SELECT collection, version FROM _syncline_horizon').all() as Array<{
        collection: string;
        version: number;
      }>
    ).map((h) => [h.collection, h.version]),
  );
  const starts = new Map<string, { version: number; reset: boolean; left: number | null }>();
  const candidates = new Map<string, Item[]>();
  const all: Item[] = [];
  /** A page of the only read, read whole as one JSON text (decision 0033). */
  let whole: WholePage | null = null;

  for (const c of request.collections) {
    const col = getCollection(schema, c.name);
    if (!col) throw new Error(`Unknown collection "${c.name}".`);
    const carried = splitEstimate(c.position);
    let start = parsePosition(carried.position, history);
    // Tombstones at or below the horizon were collected: a client below it may have missed deletes.
    if (!start.reset && c.position !== null && start.version < (horizons.get(col.name) ?? 0)) {
      start = { version: 0, reset: true };
    }
    const key = c.key ?? c.name;
    starts.set(key, { ...start, left: start.reset ? null : carried.left });
    const indexed = scopeIndexColumns(col, scopeColumns[col.name]);
    const markers = readMarkers(db, col, key, start.version, c.scope, c.visible ?? c.scope, limit + 1);
    if (request.collections.length === 1 && markers.length === 0) {
      whole = readWhole(db, col, start.version, c.scope, limit, indexed);
      if (whole) break;
    }
    const items = [...readRows(db, col, key, start.version, c.scope, limit + 1, indexed), ...markers];
    items.sort((a, b) => a.version - b.version);
    candidates.set(key, items.slice(0, limit + 1));
    all.push(...candidates.get(key)!);
  }

  const result: StorePullResult = { collections: {}, remaining: 0 };
  /** The answer of one read that took `count` changes, the last at version `last`. */
  const answer = (c: Read, count: number, last: number | undefined, hasMore: boolean, raw: RawChanges) => {
    const key = c.key ?? c.name;
    const start = starts.get(key)!;
    // A short page has seen everything up to the counter in this snapshot, so it may jump there.
    const version = hasMore ? (last ?? start.version) : Math.max(counter, start.version);
    let position = encodePosition(history, version);
    if (hasMore) {
      const left =
        leftAfter(start.left, count) ?? countAfter(db, getCollection(schema, c.name)!, version, c.scope);
      position = withEstimate(position, left);
      result.remaining += Math.max(1, left);
    }
    result.collections[key] = rawPage(raw, { position, hasMore, reset: start.reset });
  };
  if (whole) {
    const { count, last, json, hasMore } = whole;
    answer(request.collections[0]!, count, last, hasMore, { json, count });
    return result;
  }

  // One limit across collections: take the globally oldest changes first.
  all.sort((a, b) => a.version - b.version);
  const taken = all.slice(0, limit);
  for (const c of request.collections) {
    const key = c.key ?? c.name;
    const mine = taken.filter((i) => i.read === key);
    // A record changed twice within the page arrives once, in its latest state.
    const latest = new Map<string, Item>();
    for (const i of mine) {
      latest.delete(i.id);
      latest.set(i.id, i);
    }
    const kept = [...latest.values()];
    const texts = kept.map((i) => i.text);
    const raw: RawChanges = {
      json: `[${texts.join(',')}]`,
      count: kept.length,
      rows: { texts, ids: kept.map((i) => i.id), versions: kept.map((i) => i.version) },
    };
    answer(c, mine.length, mine[mine.length - 1]?.version, candidates.get(key)!.length > mine.length, raw);
  }
  return result;
}

/**
 * The statement reading at most `max` rows in scope after `after`, in version order, walking the
 * version index or one `(scope column, version)` index per key (see ../sql-pull.ts).
 */
export function rowsSql(
  col: CollectionDef,
  after: number,
  scope: ScopeFilter,
  max: number,
  indexed: readonly string[],
  select = selectList(col, 'r'),
): { sql: string; params: unknown[] } {
  const params: unknown[] = [];
  const sql = orderedRowsSql({
    dialect: sqliteDialect,
    col,
    scope,
    indexed,
    params,
    member: (cond) =>
      `SELECT ${select} FROM ${q(toSnake(col.name))} r WHERE ${cond} AND r.version > ${sqliteDialect.param(params.push(after))}`,
    // A unary + keeps SQLite off the scope index, so the version index walks in order; it also
    // drops the column's affinity, so only a text column (or id) gets it.
    filterColumn: (c) => `${c === 'id' || col.columns[c]?.kind === 'text' ? '+' : ''}r.${q(toSnake(c))}`,
    order: 'version',
    limit: max,
    limitMembers: false,
  });
  return { sql, params };
}

/** Prepared pull statements per connection, by SQL text (the text depends on the scope's shape only). */
const statements = new WeakMap<Database.Database, Map<string, Database.Statement>>();

/** `db.prepare(sql)`, prepared once per connection; `raw` statements answer arrays. */
function statement(db: Database.Database, sql: string, raw = false): Database.Statement {
  let cache = statements.get(db);
  if (!cache) {
    cache = new Map();
    statements.set(db, cache);
  }
  const key = raw ? `raw:${sql}` : sql;
  let stmt = cache.get(key);
  if (!stmt) {
    stmt = db.prepare(sql);
    if (raw) stmt.raw(true);
    // Bounded: the statement text grows with the number of scope keys merged (up to MERGE_KEYS).
    if (cache.size >= 200) cache.clear();
    cache.set(key, stmt);
  }
  return stmt;
}

/** Gone-markers of one collection after `after` that the caller must hear of, oldest first, at most `max`. */
function readMarkers(
  db: Database.Database,
  col: CollectionDef,
  read: string,
  after: number,
  scope: ScopeFilter,
  visibleTo: ScopeFilter,
  max: number,
): Item[] {
  const table = q(toSnake(col.name));
  // A gone-marker matters only while the row is not visible to this caller: a visible row is newer
  // than the marker and is delivered itself.
  // Scope keys travel as text; json_extract answers a number for a numeric column, so compare as text.
  const goneScope = scopeSql(scope, (c) =>
    c === 'id' ? 'g.id' : `CAST(json_extract(g.old, '$.${c}') AS TEXT)`,
  );
  const visible = scopeSql(visibleTo, (c) => `r.${q(c)}`);
  const markers = statement(
    db,
    `SELECT g.id, g.version, g.deleted_at FROM _syncline_gone g
       WHERE g.collection = ? AND g.version > ? AND ${goneScope.sql}
         AND NOT EXISTS (SELECT 1 FROM ${table} r WHERE r.id = g.id AND ${visible.sql})
       ORDER BY g.version LIMIT ?`,
  ).all(toSnake(col.name), after, ...goneScope.params, ...visible.params, max) as Array<{
    id: string;
    version: number;
    deleted_at: string;
  }>;
  return markers.map((m) => ({
    read,
    version: m.version,
    id: m.id,
    text: JSON.stringify({ id: m.id, version: m.version, deletedAt: m.deleted_at }),
  }));
}

interface WholePage {
  count: number;
  /** The version of the last row taken (undefined for none). */
  last: number | undefined;
  /** The JSON array of the rows taken, as UTF-8 bytes. */
  json: Uint8Array;
  hasMore: boolean;
}

/**
 * The page of a read without gone-markers, built by SQLite as one JSON text: at most `limit` rows'
 * `json_object`s joined by `group_concat`, with their count and last version; one index probe
 * after the last says whether more follow. Rows of one read have distinct ids, so no row is
 * superseded within the page. Null when SQLite cannot spell a row as JSON (see readRows).
 */
function readWhole(
  db: Database.Database,
  col: CollectionDef,
  after: number,
  scope: ScopeFilter,
  limit: number,
  indexed: readonly string[],
): WholePage | null {
  if (!isUtf8(db)) return null;
  const rows = rowsSql(col, after, scope, limit, indexed, jsonSelect(col));
  let got: [number, number | null, Buffer];
  try {
    // As a BLOB: the bytes as SQLite holds them (UTF-8), never decoded into a JS string, since the
    // answer goes on the wire as those bytes.
    got = statement(
      db,
      `SELECT count(*), max(version), CAST('[' || coalesce(group_concat(j, ','), '') || ']' AS BLOB) FROM (${rows.sql})`,
      true,
    ).get(...rows.params) as [number, number | null, Buffer];
  } catch (err) {
    if (err instanceof Error && err.name === 'SqliteError') return null;
    throw err;
  }
  const [count, last, text] = got;
  let hasMore = false;
  if (count >= limit && last !== null) {
    const probe = rowsSql(col, last, scope, 1, indexed, 'r.version');
    hasMore = statement(db, probe.sql, true).get(...probe.params) !== undefined;
  }
  return { count, last: last ?? undefined, json: text, hasMore };
}

/** Whether the database holds text as UTF-8 (the default), so a text CAST AS BLOB is its UTF-8 bytes. */
function isUtf8(db: Database.Database): boolean {
  let utf8 = encodings.get(db);
  if (utf8 === undefined) {
    utf8 = String(db.pragma('encoding', { simple: true })).toUpperCase() === 'UTF-8';
    encodings.set(db, utf8);
  }
  return utf8;
}

const encodings = new WeakMap<Database.Database, boolean>();

/**
 * The rows of a page, each as its wire JSON built by SQLite (`json_object`, decision 0033) beside
 * its version and id. A row SQLite cannot spell as JSON (a BLOB written by plain SQL) fails the
 * statement; the page is then read as values and serialised here, as before.
 */
function readRows(
  db: Database.Database,
  col: CollectionDef,
  read: string,
  after: number,
  scope: ScopeFilter,
  max: number,
  indexed: readonly string[],
): Item[] {
  const json = rowsSql(col, after, scope, max, indexed, jsonSelect(col));
  let rows: unknown[][] | undefined;
  try {
    rows = statement(db, json.sql, true).all(...json.params) as unknown[][];
  } catch (err) {
    if (!(err instanceof Error) || err.name !== 'SqliteError') throw err;
  }
  if (rows)
    return rows.map((v) => ({ read, version: v[0] as number, id: v[1] as string, text: v[2] as string }));
  const { sql, params } = rowsSql(col, after, scope, max, indexed);
  // Rows as arrays in `selectList` order: the version follows the columns.
  const at = Object.keys(col.columns).length + 1;
  return (statement(db, sql, true).all(...params) as unknown[][]).map((values) => {
    const record = valuesToRecord(col, values);
    return { read, version: Number(values[at]), id: record.id, text: JSON.stringify(record) };
  });
}

/**
 * `version, id, <the row's wire JSON>`: the record `valuesToRecord` makes of the row, keys in its
 * order, each value as `fromSqlValue` reads it (booleans from 0/1, json columns parsed when they
 * hold JSON, a non-finite number as null, as `JSON.stringify` spells it).
 */
function jsonSelect(col: CollectionDef): string {
  let list = jsonSelects.get(col);
  if (list === undefined) {
    const pairs = [
      `'id', r.id`,
      `'version', r.version`,
      `'updatedAt', coalesce(r.updated_at, '')`,
      `'updatedBy', r.updated_by`,
      `'deletedAt', r.deleted_at`,
    ];
    for (const [name, snake, kind] of columnList(col)) {
      const c = `r.${q(snake)}`;
      pairs.push(`${sqlText(name)}, ${jsonValue(kind, c)}`);
    }
    list = `r.version, r.id, json_object(${pairs.join(', ')}) AS j`;
    jsonSelects.set(col, list);
  }
  return list;
}

const jsonSelects = new WeakMap<CollectionDef, string>();

function sqlText(text: string): string {
  return `'${text.replace(/'/g, "''")}'`;
}

/** A column's value as `json_object` should spell it, matching `fromSqlValue` in records.ts. */
function jsonValue(kind: ColumnKind, c: string): string {
  switch (kind) {
    case 'boolean':
      return `CASE WHEN ${c} IS NULL THEN NULL WHEN ${c} = 1 OR ${c} = '1' THEN json('true') ELSE json('false') END`;
    case 'json':
      return `CASE WHEN json_valid(${c}) THEN json(${c}) ELSE ${c} END`;
    case 'integer':
    case 'real':
      // SQLite spells an infinite REAL 9.0e+999; JSON.stringify spells it null.
      return `CASE WHEN abs(${c}) > 1.7976931348623157e308 THEN NULL ELSE ${c} END`;
    default:
      return c;
  }
}

/** Rows in scope after `after` (gone-markers are not counted): the estimate a read starts with. */
function countAfter(db: Database.Database, col: CollectionDef, after: number, scope: ScopeFilter): number {
  const s = scopeSql(scope, (c) => `r.${q(c)}`);
  const row = db
    .prepare(`SELECT COUNT(*) AS n FROM ${q(toSnake(col.name))} r WHERE r.version > ? AND ${s.sql}`)
    .get(after, ...s.params) as { n: number };
  return row.n;
}
