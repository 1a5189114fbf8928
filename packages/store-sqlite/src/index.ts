/**
 * `@syncline/store-sqlite`: the LocalStore on SQLite, over a small driver shim. The drivers are
 * subpaths, each a thin layer over its library: `@syncline/store-sqlite/better-sqlite3` (Node,
 * Electron main) and `@syncline/store-sqlite/op-sqlite` (React Native).
 *
 * @example
 * import { createSqliteLocalStore } from '@syncline/store-sqlite';
 * import { betterSqlite3Driver } from '@syncline/store-sqlite/better-sqlite3';
 * const store = createSqliteLocalStore(betterSqlite3Driver('./data/alice.db'));
 * const client = createClient({ schema, store, url: 'http://127.0.0.1:8787/sync' });
 */

export type { MaybePromise, RunResult, SqliteDriver, SqlRow, SqlValue } from './driver.ts';
export { toStorageError } from './errors.ts';
export { createSqliteLocalStore, type SqliteStoreOptions } from './store.ts';
