/**
 * The Syncline server process of the benchmarks: the real `createSyncServer` + `listen` on the
 * SQLite or PostgreSQL store, JWT auth, listening on a free loopback port, optionally seeded with
 * the bench rows (plain SQL, so the store's triggers stamp versions as for any app write).
 * Prints one JSON line `{ "url": … }` when ready; SIGTERM closes it.
 * `GET /bench/cpu` answers this process's CPU time and RSS, so the parent can report server CPU.
 *
 * Env: BENCH_STORE (`postgres` | `sqlite`, default postgres), BENCH_SECRET; for PostgreSQL
 * BENCH_DB_URL, BENCH_PG_SCHEMA and BENCH_POOL (10); for SQLite BENCH_SQLITE_PATH; BENCH_SEED_ROWS
 * (rows owned by `u1`, default 0); BENCH_PAGE (the server's maxRowsPerPage, default 1000).
 */
import { createJwtAuth, createSyncServer, listen, type ServerStore } from '@syncline/server';
import { createPostgresStore } from '@syncline/server/postgres';
import { createSqliteStore } from '@syncline/server/sqlite';
import { benchRules, benchSchema, benchScopeColumns } from './push-schema.ts';
import { seedBenchRows } from './seed.ts';

const secret = process.env.BENCH_SECRET;
if (!secret) throw new Error('BENCH_SECRET is required.');
const kind = process.env.BENCH_STORE ?? 'postgres';

function openStore(): ServerStore {
  if (kind === 'sqlite') {
    const path = process.env.BENCH_SQLITE_PATH;
    if (!path) throw new Error('BENCH_SQLITE_PATH is required for BENCH_STORE=sqlite.');
    return createSqliteStore({ path, schema: benchSchema, scopeColumns: benchScopeColumns });
  }
  const url = process.env.BENCH_DB_URL;
  const pgSchema = process.env.BENCH_PG_SCHEMA;
  if (!url || !pgSchema) throw new Error('BENCH_DB_URL and BENCH_PG_SCHEMA are required.');
  return createPostgresStore({
    connectionString: url,
    schema: benchSchema,
    pgSchema,
    scopeColumns: benchScopeColumns,
    pool: { max: Number(process.env.BENCH_POOL ?? 10) },
  });
}

const store = openStore();
await store.migrate();

// Seeded with plain multi-row INSERTs: the triggers give each row its version, as for app SQL.
await seedBenchRows(store, Number(process.env.BENCH_SEED_ROWS ?? 0));

const server = createSyncServer({
  schema: benchSchema,
  rules: benchRules,
  store,
  auth: createJwtAuth({ secret }),
  // A load test's settings: the largest page the client asks for. The server has no rate limit.
  limits: { maxRowsPerPage: Number(process.env.BENCH_PAGE ?? 1000) },
  onError: (err) => console.error('server error', err),
});
const listener = await listen(server, {
  port: 0,
  metrics: false,
  extraRoutes: [
    {
      method: 'GET',
      path: '/bench/cpu',
      handler: () => Response.json({ ...process.cpuUsage(), rssBytes: process.memoryUsage().rss }),
    },
  ],
});
console.log(JSON.stringify({ url: listener.url }));
process.on('SIGTERM', () => {
  void listener.close().then(() => process.exit(0));
});
