/**
 * The handler's share of a pull page (issue 19, decision 0033): pages through N bench rows with
 * `server.handler(Request)` in-process — JWT, rules, the store's page, the answer's JSON — with
 * a short pause between requests, so the SQLite store's next page is read ahead (decision 0029)
 * as while a client parses. Reports the time per request (what sits between a client's request
 * and its answer) and the process CPU per sync, over several syncs. Uses the store file
 * `bench/pull-page.ts` seeds (`/tmp/bench-pull-<rows>.db`), seeding it when short.
 *
 * npx tsx --conditions=@syncline/source bench/pull-handler.ts [--rows=100000] [--reps=4]
 */
import { performance } from 'node:perf_hooks';
import { createJwtAuth, createSyncServer, signDevToken } from '@syncline/server';
import { createSqliteStore } from '@syncline/server/sqlite';
import { benchRules, benchSchema, benchScopeColumns } from './push-schema.ts';
import { seedBenchRows } from './seed.ts';

const arg = (name: string, fallback: string) =>
  process.argv.find((a) => a.startsWith(`--${name}=`))?.slice(name.length + 3) ?? fallback;
const rows = Number(arg('rows', '100000'));
const reps = Number(arg('reps', '4'));
const secret = 'pull-handler-bench-secret-long-enough-for-hs256';

const store = createSqliteStore({
  path: `/tmp/bench-pull-${rows}.db`,
  schema: benchSchema,
  scopeColumns: benchScopeColumns,
});
await store.migrate();
const have = Number(
  (await store.read((db) => db.all<{ n: unknown }>('SELECT count(*) AS n FROM tasks')))[0]!.n,
);
if (have < rows) await seedBenchRows(store, rows, have);
const server = createSyncServer({
  schema: benchSchema,
  rules: benchRules,
  store,
  auth: createJwtAuth({ secret }),
  limits: { maxRowsPerPage: 1000 },
});
const token = await signDevToken(secret, 'u1', 3600);

for (let rep = 0; rep < reps; rep++) {
  let cursor: string | null = null;
  const times: number[] = [];
  let bytes = 0;
  const cpu0 = process.cpuUsage();
  for (;;) {
    const t0 = performance.now();
    const res = await server.handler(
      new Request('http://bench.local/sync/pull', {
        method: 'POST',
        headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
        body: JSON.stringify({
          protocol: 3,
          clientId: 'bench',
          collections: { tasks: { cursor } },
          limit: 1000,
        }),
      }),
    );
    times.push(performance.now() - t0);
    const body = new Uint8Array(await res.arrayBuffer());
    bytes += body.length;
    const page = JSON.parse(new TextDecoder().decode(body)) as {
      collections: { tasks: { cursor: string; hasMore: boolean } };
    };
    cursor = page.collections.tasks.cursor;
    if (!page.collections.tasks.hasMore) break;
    await new Promise((r) => setTimeout(r, 5));
  }
  const cpu = process.cpuUsage(cpu0);
  times.sort((a, b) => a - b);
  console.log(
    JSON.stringify({
      rows,
      pages: times.length,
      requestP10Ms: +times[Math.floor(times.length / 10)]!.toFixed(3),
      requestP50Ms: +times[times.length >> 1]!.toFixed(3),
      // Includes this process reading and parsing the answers, as a client would.
      cpuMsPerSync: Math.round((cpu.user + cpu.system) / 1000),
      bytes,
    }),
  );
}
await store.close();
