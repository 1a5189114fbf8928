/**
 * Conversion between PostgreSQL rows (snake_case) and wire records (camelCase, typed), and the
 * pool's type parsers, which make `bigint` a number and `timestamptz` an ISO 8601 UTC string
 * with milliseconds — the wire format — for records and rules alike.
 */
import pg from 'pg';
import { rowMapper } from '../sql-rows.ts';

export { selectList } from '../sql-rows.ts';

const INT8 = 20;
const TIMESTAMPTZ = 1184;

const parseTimestamptz = pg.types.getTypeParser(TIMESTAMPTZ, 'text') as (text: string) => unknown;

/** A timestamptz as a session in UTC writes it, at most millisecond precision, years 1–9999. */
const UTC_TIMESTAMP = /^(\d{4}-\d\d-\d\d) (\d\d:\d\d:\d\d)(?:\.(\d{1,3}))?\+00$/;

/**
 * A timestamptz's text as ISO 8601 UTC with milliseconds. Text from a UTC session is rewritten
 * as it is (every pushed row carries two timestamps: no Date per value); any other offset, a
 * finer precision or a year outside 1–9999 goes through a Date. 'infinity' and years outside
 * JS dates stay PostgreSQL text rather than become "Invalid Date".
 */
export function timestamptzToIso(text: string): string {
  const m = UTC_TIMESTAMP.exec(text);
  if (m) return `${m[1]}T${m[2]}.${(m[3] ?? '').padEnd(3, '0')}Z`;
  const d = parseTimestamptz(text);
  return d instanceof Date && !Number.isNaN(d.getTime()) ? d.toISOString() : text;
}

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
      if (oid === TIMESTAMPTZ) return timestamptzToIso;
    }
    return pg.types.getTypeParser(oid, format as 'text');
  }) as pg.CustomTypesConfig['getTypeParser'],
};

export const { rowToRecord, valuesToRecord, rowToStored, sqlAssignments } = rowMapper({
  fromSql(kind, value) {
    if (value === null || value === undefined) return null;
    if (kind === 'integer' || kind === 'real') return typeof value === 'string' ? Number(value) : value;
    return value;
  },
  // json travels as JSON text (pg would turn arrays into PostgreSQL arrays).
  toSql: (kind, value) =>
    value === null || value === undefined ? null : kind === 'json' ? JSON.stringify(value) : value,
  fieldVersions: (raw) => (raw && typeof raw === 'object' ? (raw as Record<string, unknown>) : null),
});
