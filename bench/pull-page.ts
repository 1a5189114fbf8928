/**
 * Server-side cost of one pull page (issue 19): pages through N bench rows straight through
 * `store.pull` — no HTTP, no client — and reports the time per page at the start, the middle and
 * the end of the sync, so a cost that grows with what is left (a count per page) shows up as a
 * rising curve. The store is seeded once and reused by later runs of the same size.
 *
 * npx tsx --conditions=@syncline/source bench/pull-page.ts --store=sqlite|postgres --rows=100000
 *   [--limit=1000] [--scope=owner|public]
 * Env: BENCH_DB_URL (postgres; default postgres://postgres@127.0.0.1:5432/test).
 */
import { performance } from 'node:perf_hooks';
import type { ServerStore } from '@syncline/server';
import { createPostgresStore } from '@syncline/server/postgres';
import { createSqliteStore } from '@syncline/server/sqlite';
import { benchSchema, benchScopeColumns } from './push-schema.ts';
import { seedBenchRows } from './seed.ts';

const arg = (name: string, fallback: string) =>
  process.argv.find((a) => a.startsWith(`--${name}=`))?.slice(name.length + 3) ?? fallback;
const kind = arg('store', 'sqlite');
const rows = Number(arg('rows', '100000'));
const limit = Number(arg('limit', '1000'));
const scoped = arg('scope', 'owner') === 'owner';
if (!['sqlite', 'postgres'].includes(kind) || !Number.isSafeInteger(rows) || rows < 1 || !(limit >= 1))
  throw new Error('Usage: --store=sqlite|postgres --rows=N [--limit=1000] [--scope=owner|public]');

const store: ServerStore =
  kind === 'sqlite'
    ? createSqliteStore({
        path: `/tmp/bench-pull-${rows}.db`,
        schema: benchSchema,
        scopeColumns: benchScopeColumns,
      })
    : createPostgresStore({
        connectionString: process.env.BENCH_DB_URL ?? 'postgres://postgres@127.0.0.1:5432/test',
        schema: benchSchema,
        pgSchema: `bench_pull_${rows}`,
        scopeColumns: benchScopeColumns,
      });
await store.migrate();
const have = Number(
  (await store.read((db) => db.all<{ n: unknown }>('SELECT count(*) AS n FROM tasks')))[0]!.n,
);
if (have < rows) {
  const t0 = performance.now();
  await seedBenchRows(store, rows, have);
  console.error(`seeded ${rows - have} rows in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
}

const scope = scoped ? { kind: 'keys' as const, column: 'owner', keys: ['u1'] } : { kind: 'public' as const };
const times: number[] = [];
let position: string | null = null;
let received = 0;
const start = performance.now();
for (;;) {
  const t0 = performance.now();
  const res = await store.pull({ collections: [{ name: 'tasks', position, scope }], limit });
  times.push(performance.now() - t0);
  const page = res.collections.tasks!;
  // `raw` (decision 0033): counting `changes` would parse the page the store built as JSON text.
  received += page.raw?.count ?? page.changes.length;
  position = page.position;
  if (!page.hasMore) break;
}
const total = performance.now() - start;
await store.close();

const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / Math.max(1, xs.length);
const tenth = Math.max(1, Math.floor(times.length / 10));
const mid = Math.floor(times.length / 2);
console.log(
  JSON.stringify({
    store: kind,
    rows,
    received,
    limit,
    scope: scoped ? 'owner' : 'public',
    pages: times.length,
    firstPageMs: +times[0]!.toFixed(2),
    firstTenthMs: +mean(times.slice(0, tenth)).toFixed(2),
    middleTenthMs: +mean(times.slice(mid - Math.floor(tenth / 2), mid + Math.ceil(tenth / 2))).toFixed(2),
    lastTenthMs: +mean(times.slice(-tenth)).toFixed(2),
    meanPageMs: +mean(times).toFixed(2),
    totalS: +(total / 1000).toFixed(2),
    rowsPerS: Math.round(received / (total / 1000)),
  }),
);
