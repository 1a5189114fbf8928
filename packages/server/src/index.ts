/**
 * @syncline/server — the sync server: Fetch-API handler (handler/), stores (stores/), auth (auth/)
 * and the Node listener (node/). Exports are kept sorted by path.
 */
export * from './api.ts';
export * from './auth/index.ts';
export * from './handler/index.ts';
export * from './node/index.ts';
export * from './stores/postgres/index.ts';
export * from './stores/sqlite/index.ts';
export type * from './stores/types.ts';
