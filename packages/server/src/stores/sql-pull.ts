/**
 * The row read of a pull page, shared by the SQL stores (decision 0023): the rows in scope after
 * a position, in cursor order, read so that the database walks an index in that order and never
 * sorts what is left of the table.
 *
 * - Every row (public): one walk of the cursor index (`version`; `(_txid, id)`).
 * - A few keys of indexed text scope columns: one member per key, each a walk of its
 *   `(scope column, cursor…)` index, `UNION ALL`-ed under one `ORDER BY … LIMIT`, which SQLite
 *   answers with a MERGE of the members and PostgreSQL with a Merge Append (see
 *   {@link OrderedRows.limitMembers}) — both stop after `LIMIT` rows. A row whose scope columns match keys of two columns is left to the first
 *   column's members (`… IS NOT TRUE` in the later ones), so no row comes twice.
 * - More keys than {@link MERGE_KEYS}, or a column without that index: one walk of the cursor
 *   index with the scope as a filter (`filterColumn` may hide the scope index from the planner).
 */
import type { CollectionDef } from '@syncline/core';
import { toSnake } from '@syncline/core/internal';
import type { SqlDialect } from './sql-dialect.ts';
import { q, scopeTerms } from './sql-rows.ts';
import type { ScopeFilter } from './types.ts';

/** Keys (over all scope columns) up to which a scoped read merges one index walk per key. */
export const MERGE_KEYS = 32;

/** What {@link orderedRowsSql} builds one read from. */
export interface OrderedRows {
  dialect: SqlDialect;
  col: CollectionDef;
  scope: ScopeFilter;
  /** Scope columns (camelCase) with a `(column, cursor order)` index. */
  indexed: readonly string[];
  /** The statement's parameters so far; the builder appends in text order. */
  params: unknown[];
  /**
   * One member: `SELECT … FROM <table> r WHERE ${cond} AND <after the position>`. Called in text
   * order, after `cond`'s parameters are appended, so it may append its own.
   */
  member: (cond: string) => string;
  /** The scope column (camelCase in) as the fallback's filter compares it with text keys. */
  filterColumn: (snake: string) => string;
  /** `ORDER BY` of the cursor, on the members' output column names: `version`; `_txid, id`. */
  order: string;
  limit: number;
  /**
   * Each member of a merge as `SELECT * FROM (<member> ORDER BY … LIMIT …)`: PostgreSQL (15)
   * plans a Merge Append only over members that are ordered and limited themselves, while
   * SQLite merges bare members and would sort wrapped ones.
   */
  limitMembers: boolean;
}

/** The statement reading at most `limit` rows of one read, in cursor order. */
export function orderedRowsSql(r: OrderedRows): string {
  const d = r.dialect;
  const push = (v: unknown) => d.param(r.params.push(v));
  const terms = scopeTerms(r.scope)?.filter((t) => t.keys.length > 0);
  const tail = () => ` ORDER BY ${r.order} LIMIT ${push(r.limit)}`;
  if (!terms) return r.member('1 = 1') + tail();
  if (terms.length === 0) return r.member('1 = 0') + tail();
  const keyCount = terms.reduce((n, t) => n + t.keys.length, 0);
  const mergeable = terms.every(
    (t) => r.indexed.includes(t.column) && r.col.columns[t.column]?.kind === 'text',
  );
  if (keyCount > MERGE_KEYS || !mergeable) {
    const cond = terms
      .map((t) => d.inList(r.filterColumn(t.column), r.params.push(d.list(t.keys)), 'text'))
      .join(' OR ');
    return r.member(`(${cond})`) + tail();
  }
  const members: string[] = [];
  for (const [j, t] of terms.entries()) {
    for (const key of t.keys) {
      const conds = [`r.${q(toSnake(t.column))} = ${push(key)}`];
      for (const earlier of terms.slice(0, j)) {
        const list = r.params.push(d.list(earlier.keys));
        conds.push(`(${d.inList(`r.${q(toSnake(earlier.column))}`, list, 'text')}) IS NOT TRUE`);
      }
      const m = r.member(conds.join(' AND '));
      members.push(
        r.limitMembers
          ? `SELECT * FROM (${m} ORDER BY ${r.order} LIMIT ${push(r.limit)}) m${members.length}`
          : m,
      );
    }
  }
  return members.join(' UNION ALL ') + tail();
}
