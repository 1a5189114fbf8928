/**
 * @syncline/server — the sync server: Fetch-API handler, stores, and (from other modules) auth,
 * the Node listener and the CLI.
 */
export * from './api.ts';
export type * from './stores/types.ts';
export * from './handler/index.ts';
export * from './stores/sqlite/index.ts';

// Exports of auth/, node/ and cli/ are appended below by their authors.
export * from './auth/index.ts';
export * from './node/index.ts';
