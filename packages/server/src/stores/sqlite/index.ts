export type { SqliteStore, SqliteStoreOptions } from './store.ts';
export { createSqliteStore } from './store.ts';
