/**
 * `@syncline/server/postgres`: the server store on PostgreSQL (pg, an optional peer) — for
 * production and for several server instances on one database. Commit order comes from the xid
 * watermark (ARCHITECTURE.md §6.1); run `syncline bump-generation` after a restore (§10).
 *
 * @example
 * import { createPostgresStore } from '@syncline/server/postgres';
 * const store = createPostgresStore({
 *   connectionString: process.env.DATABASE_URL!,
 *   schema,
 *   pgSchema: 'app', // the PostgreSQL schema the tables live in (default `public`)
 * });
 * await store.migrate();
 * const server = createSyncServer({ schema, rules, store, auth });
 */

export type { PostgresStore, PostgresStoreOptions, WatermarkLag } from './store.ts';
export { createPostgresStore } from './store.ts';
