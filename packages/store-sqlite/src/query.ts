import type { Query } from '@syncline/client';
import { validateQuery } from '@syncline/client/store';
import { SynclineError } from '@syncline/core';
import type { SqlValue } from './driver.ts';
import { encode, type Field, rowColumns, type Table } from './table.ts';

const OPERATORS = { eq: '=', ne: 'IS NOT', gt: '>', gte: '>=', lt: '<', lte: '<=', in: 'IN' } as const;
type Operator = keyof typeof OPERATORS;

function isComparison(value: unknown): value is Partial<Record<Operator, unknown>> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return false;
  const keys = Object.keys(value);
  return keys.length > 0 && keys.every((k) => Object.hasOwn(OPERATORS, k));
}

/** The field `name` of a query `validateQuery` accepted (so it exists). */
function field(table: Table, name: string): Field {
  return table.fields.get(name) as Field;
}

function count(value: unknown, what: string): number {
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 0) {
    throw new SynclineError(
      'invalid',
      `Query ${what} must be a whole number of at least 0, got ${String(value)}.`,
    );
  }
  return value;
}

/**
 * Translates a `Query` into one SELECT over the visible rows. The query is checked as every
 * store checks it (`validateQuery`: known columns, directions, `in` arrays, no range over null)
 * and every value is a bound parameter: no user string ever reaches the SQL text.
 * Comparisons follow SQL: a null column value matches only `eq: null`, `ne` and `in` with null.
 */
export function buildQuery(table: Table, q: Query): { sql: string; params: SqlValue[] } {
  validateQuery(table.collection, table.queryable, q);
  const clauses = ['"_visible" = 1'];
  const params: SqlValue[] = [];
  for (const [name, condition] of Object.entries(q.where ?? {})) {
    const f = field(table, name);
    const comparison = isComparison(condition) ? condition : { eq: condition };
    for (const [op, value] of Object.entries(comparison) as Array<[Operator, unknown]>) {
      if (value === undefined) continue;
      if (op === 'in') {
        const list = value as unknown[]; // an array: validateQuery checked it
        const values = list.filter((v) => v !== null && v !== undefined);
        const parts: string[] = [];
        if (values.length) parts.push(`${f.sql} IN (${values.map(() => '?').join(', ')})`);
        if (values.length < list.length) parts.push(`${f.sql} IS NULL`);
        clauses.push(parts.length ? `(${parts.join(' OR ')})` : '0');
        for (const v of values) params.push(encode(f, v));
      } else if (value === null) {
        // Only eq and ne reach here with null (validateQuery refuses a range over null).
        clauses.push(`${f.sql} ${op === 'eq' ? 'IS NULL' : 'IS NOT NULL'}`);
      } else {
        clauses.push(`${f.sql} ${OPERATORS[op]} ?`);
        params.push(encode(f, value));
      }
    }
  }
  const order: string[] = [];
  for (const [name, direction] of q.orderBy ?? []) {
    order.push(`${field(table, name).sql} ${direction === 'asc' ? 'ASC' : 'DESC'}`);
  }
  // id last: a total order, so that limit/offset pages never skip or repeat a row.
  if (!(q.orderBy ?? []).some(([name]) => name === 'id')) order.push('"id" ASC');
  let sql = `SELECT ${rowColumns(table)} FROM ${table.sql} WHERE ${clauses.join(' AND ')} ORDER BY ${order.join(', ')}`;
  if (q.limit !== undefined || q.offset !== undefined) {
    sql += ' LIMIT ? OFFSET ?';
    params.push(
      q.limit === undefined ? -1 : count(q.limit, 'limit'),
      q.offset === undefined ? 0 : count(q.offset, 'offset'),
    );
  }
  return { sql, params };
}
