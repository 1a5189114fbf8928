/**
 * The sync server of the hostile-request fuzz, run as a child process with `--expose-gc` so its
 * heap can be measured alone: `node --expose-gc <source flags> fuzz-server.ts sqlite <path>` or
 * `… postgres <url> <pgSchema>`. Prints `listening on <url>`. Besides the sync API and
 * `/healthz` it serves two test-only routes: `GET /__heap` (heap used after full GCs, bytes) and
 * `GET /__dump` (every row of `notes`, every column). No rate limit is configured.
 * `FUZZ_HEAP_SNAPSHOTS=<dir>` also writes a heap snapshot at each `/__heap`, to find what grew.
 */
import { createJwtAuth, createSyncServer, listen, scopeColumnsOf } from '@syncline/server';
import { createPostgresStore } from '@syncline/server/postgres';
import { createSqliteStore } from '@syncline/server/sqlite';
import { FUZZ_LIMITS, fuzzRules, fuzzSchema } from './fuzz-world.ts';
import { TEST_SECRET } from './server.ts';

const [kind, target, pgSchema] = process.argv.slice(2);
const gc = (globalThis as { gc?: () => void }).gc;
if (!gc) throw new Error('fuzz-server.ts needs node --expose-gc');
const scopeColumns = scopeColumnsOf(fuzzRules);
const store =
  kind === 'sqlite'
    ? createSqliteStore({ path: target!, schema: fuzzSchema, scopeColumns })
    : createPostgresStore({
        connectionString: target!,
        schema: fuzzSchema,
        pgSchema: pgSchema!,
        scopeColumns,
        pool: { max: 4 },
      });
await store.migrate();
const server = createSyncServer({
  schema: fuzzSchema,
  rules: fuzzRules,
  store,
  auth: createJwtAuth({ secret: TEST_SECRET }),
  limits: FUZZ_LIMITS,
});

async function heap(): Promise<Response> {
  // Several full collections, with turns of the event loop between them for finalizers.
  for (let i = 0; i < 4; i++) {
    gc!();
    await new Promise((resolve) => setImmediate(resolve));
  }
  const dir = process.env.FUZZ_HEAP_SNAPSHOTS;
  if (dir) (await import('node:v8')).writeHeapSnapshot(`${dir}/heap-${Date.now()}.heapsnapshot`);
  return Response.json({ heapUsed: process.memoryUsage().heapUsed });
}

async function dump(): Promise<Response> {
  const rows = await store.read((db) => db.all('SELECT * FROM notes ORDER BY id'));
  const text = JSON.stringify(rows, (_k, v) => (typeof v === 'bigint' ? `${v}n` : v));
  return new Response(text, { headers: { 'content-type': 'application/json' } });
}

const listener = await listen(server, {
  port: 0,
  metrics: false,
  extraRoutes: [
    { method: 'GET', path: '/__heap', handler: heap },
    { method: 'GET', path: '/__dump', handler: dump },
  ],
});
console.log(`listening on ${listener.url}`);
process.once('SIGTERM', () => {
  void listener.close().then(() => process.exit(0));
});
