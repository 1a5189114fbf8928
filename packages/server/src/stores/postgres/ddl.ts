/**
 * DDL for the PostgreSQL server store (decision 0005): real tables per collection, a version
 * sequence, triggers that stamp `_txid`/`version`/`updated_at`/`_fv` and record gone-markers, so
 * writes by any connection — the app's own SQL, psql, a cron job — are synced.
 *
 * Every name is schema-qualified: triggers run under the search_path of whoever writes, which
 * need not be ours.
 */
import type { CollectionDef, ColumnKind } from '@syncline/core';
import { toSnake } from '@syncline/core/internal';
import { bookkeepingColumns, columnDdlFor } from '../sql-rows.ts';
import { lit, NOW_MS, q } from './sql.ts';

/** Schema-qualified names of the store's objects inside one PostgreSQL schema. */
export interface PgNames {
  /** The PostgreSQL schema (already validated, unquoted). */
  readonly schema: string;
  /** A collection's table, qualified and quoted. */
  table(collection: string): string;
  readonly seq: string;
  readonly meta: string;
  readonly gone: string;
  readonly horizon: string;
  readonly clients: string;
  readonly outcomes: string;
  readonly bumpGeneration: string;
}

export function pgNames(schema: string): PgNames {
  const n = (name: string) => `${q(schema)}.${q(name)}`;
  return {
    schema,
    table: (collection) => n(toSnake(collection)),
    seq: n('syncline_version'),
    meta: n('syncline_meta'),
    gone: n('syncline_gone'),
    horizon: n('syncline_horizon'),
    clients: n('syncline_clients'),
    outcomes: n('syncline_outcomes'),
    bumpGeneration: n('syncline_bump_generation'),
  };
}

/** A fresh generation id in SQL (16 hex digits), for the meta row and TRUNCATE. */
const NEW_GENERATION_SQL = 'substr(md5(random()::text || clock_timestamp()::text), 1, 16)';

/** Bookkeeping tables shared by every collection. */
export function metaDdl(n: PgNames): string[] {
  return [
    `CREATE SCHEMA IF NOT EXISTS ${q(n.schema)}`,
    `CREATE SEQUENCE IF NOT EXISTS ${n.seq} AS bigint`,
    `CREATE TABLE IF NOT EXISTS ${n.meta} (key text PRIMARY KEY, value text NOT NULL)`,
    `INSERT INTO ${n.meta} (key, value) VALUES ('generation', ${NEW_GENERATION_SQL}) ON CONFLICT (key) DO NOTHING`,
    `CREATE TABLE IF NOT EXISTS ${n.gone} (
       collection text NOT NULL, id text NOT NULL, version bigint NOT NULL, _txid xid8 NOT NULL,
       deleted_at timestamptz(3) NOT NULL, old jsonb NOT NULL DEFAULT '{}')`,
    `CREATE INDEX IF NOT EXISTS syncline_gone_by_txid ON ${n.gone} (collection, _txid, id)`,
    `CREATE INDEX IF NOT EXISTS syncline_gone_by_time ON ${n.gone} (deleted_at)`,
    // The change feed reads markers of every collection in a _txid range (decision 0013).
    `CREATE INDEX IF NOT EXISTS syncline_gone_feed ON ${n.gone} (_txid)`,
    `CREATE INDEX IF NOT EXISTS syncline_gone_by_id ON ${n.gone} (collection, id)`,
    `CREATE TABLE IF NOT EXISTS ${n.horizon} (collection text PRIMARY KEY, txid xid8 NOT NULL, id text NOT NULL)`,
    `CREATE TABLE IF NOT EXISTS ${n.clients} (
       client_id text PRIMARY KEY, user_id text NOT NULL, last_seq bigint NOT NULL DEFAULT 0)`,
    `CREATE TABLE IF NOT EXISTS ${n.outcomes} (
       client_id text NOT NULL, seq bigint NOT NULL, result jsonb NOT NULL, PRIMARY KEY (client_id, seq))`,
    // TRUNCATE fires no row triggers, so clients could never learn which rows vanished: a new
    // generation makes every client start over instead.
    `CREATE OR REPLACE FUNCTION ${n.bumpGeneration}() RETURNS trigger LANGUAGE plpgsql AS $fn$
BEGIN
  UPDATE ${n.meta} SET value = ${NEW_GENERATION_SQL} WHERE key = 'generation';
  RETURN NULL;
END $fn$`,
  ];
}

/**
 * Column types. `timestamp` is `timestamptz(3)`: an instant at millisecond precision that the
 * app's SQL can compare and index; the store reads it back as ISO 8601 UTC (`…T13:00:00.000Z`).
 * `integer` is `bigint` because records carry any safe integer.
 */
export const SQL_TYPE: Readonly<Record<ColumnKind, string>> = {
  text: 'text',
  integer: 'bigint',
  real: 'double precision',
  boolean: 'boolean',
  timestamp: 'timestamptz(3)',
  json: 'jsonb',
};

/** The SQL definition of one schema column (see `columnDdlFor`). */
export const columnDdl = columnDdlFor(SQL_TYPE, { true: 'true', false: 'false', jsonSuffix: '::jsonb' });

/**
 * Bookkeeping columns every collection table has, besides `id`. `_txid` stays nullable so that
 * adding it to an app's existing table is cheap; migrate then stamps those rows.
 */
export const BOOKKEEPING_COLUMNS: ReadonlyArray<[string, string]> = [
  ...bookkeepingColumns(SQL_TYPE),
  ['_txid', 'xid8'],
];

export function createTableDdl(n: PgNames, col: CollectionDef): string {
  const cols = Object.entries(col.columns).map(([name, d]) =>
    columnDdl(name, d.kind, d.nullable, d.defaultValue, false),
  );
  const book = BOOKKEEPING_COLUMNS.map(([name, d]) => `${q(name)} ${d}`);
  return `CREATE TABLE IF NOT EXISTS ${n.table(col.name)} (id text PRIMARY KEY, ${[...cols, ...book].join(', ')})`;
}

/** The pull index (_txid, id), the scoped pull index (scope, _txid, id), and the schema's indexes. */
export function indexDdl(n: PgNames, col: CollectionDef, scopeColumns: readonly string[]): string[] {
  const table = toSnake(col.name);
  const t = n.table(col.name);
  const out = [`CREATE INDEX IF NOT EXISTS ${q(`${table}__sl_txid`)} ON ${t} (_txid, id)`];
  for (const [i, c] of scopeColumns.entries()) {
    const name = i === 0 ? `${table}__sl_scope_txid` : `${table}__sl_scope_${toSnake(c)}_txid`;
    out.push(`CREATE INDEX IF NOT EXISTS ${q(name)} ON ${t} (${q(toSnake(c))}, _txid, id)`);
  }
  for (const [name, cols] of Object.entries(col.indexes)) {
    const list = cols.map((c) => q(toSnake(c))).join(', ');
    out.push(`CREATE INDEX IF NOT EXISTS ${q(`${table}_${toSnake(name)}`)} ON ${t} (${list})`);
  }
  return out;
}

/** `jsonb_build_object` over many pairs, chunked below PostgreSQL's 100-argument limit. */
function jsonbObject(pairs: Array<[string, string]>): string {
  if (pairs.length === 0) return "'{}'::jsonb";
  const chunks: string[] = [];
  for (let i = 0; i < pairs.length; i += 50) {
    chunks.push(
      `jsonb_build_object(${pairs
        .slice(i, i + 50)
        .flatMap(([k, v]) => [lit(k), v])
        .join(', ')})`,
    );
  }
  return chunks.join(' || ');
}

/**
 * Trigger functions and triggers of one collection table, re-created on every migrate so they
 * follow the columns.
 *
 * - BEFORE INSERT OR UPDATE (`__sl_stamp`): `_txid` = the writing transaction, a fresh `version`
 *   from the sequence, `updated_at` = now (ms), `updated_by` = the transaction-local
 *   `syncline.user_id` (set by the sync server for a push, so NULL for any other writer), and
 *   `_fv` bumped for every changed column. It
 *   overrides whatever the writer put there, so plain SQL can never forge bookkeeping.
 * - AFTER UPDATE of the id or a scope-candidate column (`__sl_moved`): a gone-marker holding the
 *   old values, so clients of the old scope key receive a tombstone.
 * - AFTER DELETE (`__sl_deleted`): a gone-marker, except while GC collects old tombstones
 *   (GC sets the transaction-local `syncline.gc`).
 * - AFTER INSERT (`__sl_inserted`): keeps versions increasing per record. PostgreSQL fires BEFORE
 *   INSERT triggers before the unique check, so an INSERT (typically an upsert) that waited for a
 *   concurrent DELETE of the same id carries a version older than that DELETE's gone-marker;
 *   clients would drop it as stale. Such a row is touched once more, which stamps a fresh version.
 * - AFTER TRUNCATE: a new database generation (every client resets).
 *
 * `scopeCandidates`: snake_case columns that may be a scope column.
 */
export function triggerDdl(n: PgNames, col: CollectionDef, scopeCandidates: readonly string[]): string[] {
  const table = toSnake(col.name);
  const t = n.table(col.name);
  const fn = (suffix: string) => `${q(n.schema)}.${q(`${table}__sl_${suffix}`)}`;
  const trg = (suffix: string) => q(`${table}__sl_${suffix}`);
  const columns = Object.keys(col.columns).map(toSnake);
  const fv = jsonbObject(
    columns.map((c) => [c, `CASE WHEN NEW.${q(c)} IS DISTINCT FROM OLD.${q(c)} THEN NEW.version END`]),
  );
  const old = jsonbObject(scopeCandidates.map((c) => [c, `OLD.${q(c)}`]));
  const moved = ['id', ...scopeCandidates]
    .map((c) => `OLD.${q(c)} IS DISTINCT FROM NEW.${q(c)}`)
    .join(' OR ');
  return [
    `CREATE OR REPLACE FUNCTION ${fn('stamp')}() RETURNS trigger LANGUAGE plpgsql AS $fn$
BEGIN
  NEW._txid := pg_current_xact_id();
  NEW.version := nextval(${lit(n.seq)});
  NEW.updated_at := ${NOW_MS};
  NEW.updated_by := NULLIF(current_setting('syncline.user_id', true), '');
  IF TG_OP = 'INSERT' THEN
    NEW._fv := '{}'::jsonb;
  ELSE
    NEW._fv := COALESCE(OLD._fv, '{}'::jsonb) || jsonb_strip_nulls(${fv});
  END IF;
  RETURN NEW;
END $fn$`,
    `CREATE OR REPLACE FUNCTION ${fn('moved')}() RETURNS trigger LANGUAGE plpgsql AS $fn$
BEGIN
  INSERT INTO ${n.gone} (collection, id, version, _txid, deleted_at, old)
    VALUES (${lit(table)}, OLD.id, NEW.version, NEW._txid, NEW.updated_at, ${old});
  RETURN NULL;
END $fn$`,
    `CREATE OR REPLACE FUNCTION ${fn('deleted')}() RETURNS trigger LANGUAGE plpgsql AS $fn$
BEGIN
  IF current_setting('syncline.gc', true) IS DISTINCT FROM 'on' THEN
    INSERT INTO ${n.gone} (collection, id, version, _txid, deleted_at, old)
      VALUES (${lit(table)}, OLD.id, nextval(${lit(n.seq)}), pg_current_xact_id(), ${NOW_MS}, ${old});
  END IF;
  RETURN NULL;
END $fn$`,
    `CREATE OR REPLACE FUNCTION ${fn('inserted')}() RETURNS trigger LANGUAGE plpgsql AS $fn$
BEGIN
  IF EXISTS (SELECT 1 FROM ${n.gone} WHERE collection = ${lit(table)} AND id = NEW.id AND version > NEW.version) THEN
    UPDATE ${t} SET id = id WHERE id = NEW.id;
  END IF;
  RETURN NULL;
END $fn$`,
    `DROP TRIGGER IF EXISTS ${trg('stamp')} ON ${t}`,
    `DROP TRIGGER IF EXISTS ${trg('inserted')} ON ${t}`,
    `DROP TRIGGER IF EXISTS ${trg('moved')} ON ${t}`,
    `DROP TRIGGER IF EXISTS ${trg('deleted')} ON ${t}`,
    `DROP TRIGGER IF EXISTS ${trg('truncated')} ON ${t}`,
    `CREATE TRIGGER ${trg('stamp')} BEFORE INSERT OR UPDATE ON ${t} FOR EACH ROW EXECUTE FUNCTION ${fn('stamp')}()`,
    `CREATE TRIGGER ${trg('inserted')} AFTER INSERT ON ${t} FOR EACH ROW EXECUTE FUNCTION ${fn('inserted')}()`,
    `CREATE TRIGGER ${trg('moved')} AFTER UPDATE ON ${t} FOR EACH ROW WHEN (${moved}) EXECUTE FUNCTION ${fn('moved')}()`,
    `CREATE TRIGGER ${trg('deleted')} AFTER DELETE ON ${t} FOR EACH ROW EXECUTE FUNCTION ${fn('deleted')}()`,
    `CREATE TRIGGER ${trg('truncated')} AFTER TRUNCATE ON ${t} FOR EACH STATEMENT EXECUTE FUNCTION ${n.bumpGeneration}()`,
  ];
}

export { scopeCandidates, scopeIndexColumns } from '../sql-rows.ts';
