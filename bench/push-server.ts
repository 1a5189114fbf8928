/**
 * The server process of the push benchmark: one sync server on PostgreSQL, listening on a free
 * loopback port. Prints one JSON line `{ "url": … }` when ready; SIGTERM closes it.
 * `GET /bench/cpu` answers this process's CPU time, so the parent can report server CPU per mutation.
 */
import { createJwtAuth, createSyncServer, listen } from '@syncline/server';
import { createPostgresStore } from '@syncline/server/postgres';
import { benchRules, benchSchema, benchScopeColumns } from './push-schema.ts';

const url = process.env.BENCH_DB_URL;
const pgSchema = process.env.BENCH_PG_SCHEMA;
const secret = process.env.BENCH_SECRET;
if (!url || !pgSchema || !secret)
  throw new Error('BENCH_DB_URL, BENCH_PG_SCHEMA and BENCH_SECRET are required.');

const store = createPostgresStore({
  connectionString: url,
  schema: benchSchema,
  pgSchema,
  scopeColumns: benchScopeColumns,
  pool: { max: Number(process.env.BENCH_POOL ?? 10) },
});
await store.migrate();
const server = createSyncServer({
  schema: benchSchema,
  rules: benchRules,
  store,
  auth: createJwtAuth({ secret }),
  onError: (err) => console.error('server error', err),
});
const listener = await listen(server, {
  port: 0,
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
