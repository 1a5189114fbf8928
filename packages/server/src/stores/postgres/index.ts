export { createPostgresStore } from './store.ts';
export type { PostgresStore, PostgresStoreOptions, WatermarkLag } from './store.ts';
