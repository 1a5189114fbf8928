/**
 * SQL text helpers of the PostgreSQL write transaction (write-tx.ts): the names of its prepared
 * statements, literals for the statements that travel without parameters, and the rows of its
 * jsonb_to_recordset batch statements.
 */
import { toSnake } from '@syncline/core/internal';
import type { selectList } from '../sql-rows.ts';
import { SQL_TYPE } from './ddl.ts';
import { q } from './sql.ts';

/**
 * Names of the store's own statements, by SQL text, for every connection of the process: a named
 * statement is parsed and planned once per connection instead of on every push. Raw SQL (rules,
 * the app) stays unnamed. `round` changes every name after a statement went stale.
 */
export const prepared = { names: new Map<string, string>(), round: 0 };
/** Beyond this many texts (column sets × collections), statements go unnamed. */
const MAX_PREPARED = 500;

export function statementName(sql: string): string | undefined {
  let name = prepared.names.get(sql);
  if (name === undefined && prepared.names.size < MAX_PREPARED) {
    name = `syncline_${prepared.round}_${prepared.names.size + 1}`;
    prepared.names.set(sql, name);
  }
  return name;
}

export function isStalePlan(err: unknown): boolean {
  const e = err as { code?: unknown; message?: unknown } | null;
  return e?.code === '0A000' && /cached plan must not change result type/.test(String(e.message));
}

/**
 * A string literal for a statement sent without parameters, as pg's `escapeLiteral` writes it
 * (right whatever `standard_conforming_strings` says); null for text with U+0000, which the query
 * text cannot carry.
 */
export function literal(text: string): string | null {
  if (text.includes('\u0000')) return null;
  const quoted = `'${text.replace(/'/g, "''").replace(/\\/g, '\\\\')}'`;
  return text.includes('\\') ? ` E${quoted}` : quoted;
}

type Collection = Parameters<typeof selectList>[0];

/**
 * Records grouped by the schema columns they set (snake_case, in a fixed order per group), each
 * as one jsonb_to_recordset row `{ id, column: value }`. json columns stay JSON values there
 * (jsonb_to_recordset reads them as jsonb); every other value is read by its column's type.
 */
export function byColumns<T extends { id: string }>(
  col: Collection,
  records: readonly T[],
  values: (r: T) => Record<string, unknown>,
): Map<string[], Array<Record<string, unknown>>> {
  const groups = new Map<string, { names: string[]; rows: Array<Record<string, unknown>> }>();
  for (const r of records) {
    const data = values(r);
    const row: Record<string, unknown> = { id: r.id };
    let key = '';
    for (const k in data) {
      const v = data[k];
      if (v === undefined || !Object.hasOwn(data, k) || !Object.hasOwn(col.columns, k)) continue;
      const snake = toSnake(k);
      row[snake] = v;
      key += `${snake},`;
    }
    let group = groups.get(key);
    if (!group) {
      group = { names: Object.keys(row).slice(1), rows: [] };
      groups.set(key, group);
    }
    group.rows.push(row);
  }
  return new Map([...groups.values()].map((g) => [g.names, g.rows]));
}

/** The column definitions of jsonb_to_recordset for `id` and the snake_case `names`. */
export function recordsetColumns(col: Collection, names: readonly string[]): string {
  return ['id text', ...names.map((c) => `${q(c)} ${SQL_TYPE[columnKind(col, c)]}`)].join(', ');
}

/** The kind of a collection column named by its snake_case name. */
function columnKind(col: Collection, snake: string) {
  const name = Object.keys(col.columns).find((c) => toSnake(c) === snake)!;
  return col.columns[name]!.kind;
}
