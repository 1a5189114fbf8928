/**
 * `@syncline/server/sqlite`: the server store on one SQLite file (better-sqlite3, an optional
 * peer) — the embedded default, for one server process. Commit order comes from a counter kept by
 * triggers (ARCHITECTURE.md §6.1); restores are detected on their own (§10).
 *
 * @example
 * import { createSqliteStore } from '@syncline/server/sqlite';
 * const store = createSqliteStore({ path: './data/syncline.db', schema });
 * await store.migrate();
 * const server = createSyncServer({ schema, rules, store, auth });
 */

export type { SqliteStore, SqliteStoreOptions } from './store.ts';
export { createSqliteStore } from './store.ts';
