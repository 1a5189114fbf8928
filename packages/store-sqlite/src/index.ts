export type { MaybePromise, RunResult, SqliteDriver, SqlRow, SqlValue } from './driver.ts';
export { toStorageError } from './errors.ts';
export { createSqliteLocalStore, type SqliteStoreOptions } from './store.ts';
