/**
 * SQLite's spelling of the SQL the stores share (see ../sql-dialect.ts): `?` placeholders, lists
 * as one JSON array read with `json_each`, JSON as TEXT, no row locks (the write transaction holds
 * SQLite's single write lock), and the record read again after a write (RETURNING reports the row
 * before the AFTER triggers stamp it).
 */
import { toSnake } from '@syncline/core/internal';
import type { SqlDialect } from '../sql-dialect.ts';
import { NOW_SQL, q } from './ddl.ts';

export { q };

/** The dialect of every SQLite store (table names are unqualified). */
export const sqliteDialect: SqlDialect = {
  name: 'SQLite',
  param: () => '?',
  inList: (expr) => `${expr} IN (SELECT value FROM json_each(?))`,
  list: (values) => JSON.stringify(values),
  json: () => '?',
  readJson: (raw) => JSON.parse(String(raw)) as unknown,
  now: NOW_SQL,
  forUpdate: '',
  returning: false,
  // SQLITE_MAX_VARIABLE_NUMBER's default since SQLite 3.32.
  maxParams: 32_766,
  results: () => "(SELECT json_extract(value, '$.seq') AS seq, value AS result FROM json_each(?))",
  table: (collection) => q(toSnake(collection)),
  clients: '_syncline_clients',
  outcomes: '_syncline_outcomes',
};
