export type { PostgresStore, PostgresStoreOptions, WatermarkLag } from './store.ts';
export { createPostgresStore } from './store.ts';
