/**
 * SQL text helpers for the PostgreSQL store: its dialect, identifier quoting, literals, and the `?` → `$n` placeholder rewrite behind `SqlDb.all()` (rules and the app write `?`, as
 * for SQLite, so one rule works on both stores).
 */
import { SynclineError } from '@syncline/core';
import type { SqlDialect } from '../sql-dialect.ts';
import { q } from '../sql-rows.ts';
import type { PgNames } from './ddl.ts';

/** PostgreSQL schema (namespace) names we accept: plain lower-case identifiers, so they need no escaping anywhere. */
const PG_SCHEMA = /^[a-z_][a-z0-9_]{0,62}$/;

/** Checks a `pgSchema` option; throws `invalid` with a fix for anything else. */
export function checkPgSchema(name: string): string {
  if (!PG_SCHEMA.test(name)) {
    throw new SynclineError(
      'invalid',
      `PostgreSQL schema name "${name}" is not allowed: use lower-case letters, digits and "_" (at most 63), e.g. "public" or "syncline".`,
    );
  }
  return name;
}

export { q };

/** Server time at millisecond precision: the wire carries milliseconds, so storage does too. */
export const NOW_MS = "date_trunc('milliseconds', clock_timestamp())";

/**
 * PostgreSQL's spelling of the SQL the stores share (see ../sql-dialect.ts) for the tables of one
 * schema: `$n` placeholders, lists as typed arrays (`= ANY($n::text[])`), `jsonb`, row locks
 * (`FOR UPDATE`: READ COMMITTED, decision 0005) and RETURNING.
 */
export function pgDialect(n: PgNames): SqlDialect {
  return {
    name: 'PostgreSQL',
    param: (i) => `$${i}`,
    inList: (expr, i, type) => `${expr} = ANY($${i}::${type}[])`,
    list: (values) => values,
    json: (i) => `$${i}::jsonb`,
    readJson: (raw) => raw,
    now: NOW_MS,
    forUpdate: ' FOR UPDATE',
    returning: true,
    maxParams: 65_535,
    results: (i) =>
      `(SELECT (e->>'seq')::bigint AS seq, e AS result FROM jsonb_array_elements($${i}::jsonb) AS e)`,
    table: (collection) => n.table(collection),
    clients: n.clients,
    outcomes: n.outcomes,
  };
}

/** A string literal; only for DDL, where parameters cannot be used. */
export function lit(value: string): string {
  return `'${value.replace(/'/g, "''")}'`;
}

/**
 * Rewrites `?` placeholders to `$1, $2, …`, leaving `?` inside string literals, quoted identifiers,
 * dollar-quoted bodies and comments alone. `??` stands for a literal `?` (the jsonb operators
 * `?`, `?|`, `?&`), since a bare `?` always means a parameter.
 *
 * @example
 * toDollarParams("SELECT id FROM lists WHERE owner_id = ? AND name <> '?'") // → "... owner_id = $1 AND name <> '?'"
 */
export function toDollarParams(sql: string): string {
  let out = '';
  let n = 0;
  let i = 0;
  while (i < sql.length) {
    const ch = sql[i]!;
    const next = sql[i + 1];
    if (ch === "'" || ch === '"') {
      const end = closingQuote(sql, i, ch);
      out += sql.slice(i, end);
      i = end;
    } else if (ch === '-' && next === '-') {
      const nl = sql.indexOf('\n', i);
      const end = nl === -1 ? sql.length : nl;
      out += sql.slice(i, end);
      i = end;
    } else if (ch === '/' && next === '*') {
      const close = sql.indexOf('*/', i + 2);
      const end = close === -1 ? sql.length : close + 2;
      out += sql.slice(i, end);
      i = end;
    } else if (ch === '$' && !/[A-Za-z0-9_]/.test(sql[i - 1] ?? '')) {
      const tag = /^\$([A-Za-z_][A-Za-z0-9_]*)?\$/.exec(sql.slice(i));
      if (tag) {
        const close = sql.indexOf(tag[0], i + tag[0].length);
        const end = close === -1 ? sql.length : close + tag[0].length;
        out += sql.slice(i, end);
        i = end;
      } else {
        out += ch;
        i++;
      }
    } else if (ch === '?') {
      if (next === '?') {
        out += '?';
        i += 2;
      } else {
        out += `$${++n}`;
        i++;
      }
    } else {
      out += ch;
      i++;
    }
  }
  return out;
}

/** Index just past the quote that closes the one at `start` (a doubled quote is an escaped one). */
function closingQuote(sql: string, start: number, quote: string): number {
  let i = start + 1;
  while (i < sql.length) {
    if (sql[i] === quote) {
      if (sql[i + 1] === quote) i += 2;
      else return i + 1;
    } else i++;
  }
  return sql.length;
}
