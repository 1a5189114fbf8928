/**
 * Done-when (PostgreSQL concurrency): 32 writer connections commit 10,000 transactions, each
 * waiting a seeded 0–200 ms between its write and its COMMIT — 24 plain-SQL connections and 8
 * sync-server clients pushing over real HTTP (the server's store is wrapped, test-only, so its
 * transactions also wait 0–200 ms before COMMIT) — while a client pulls continuously over HTTP.
 *
 * Oracle: every committed write is delivered or superseded by a delivered later version of the
 * same row; every row's final state is delivered; no (row, version) is delivered twice; versions
 * of a row never arrive out of order. The same workload is pulled at the same time by a naive
 * `(updated_at, id) > cursor` puller (negative control, pullers.ts), which must lose rows: proof
 * that this test can fail.
 *
 * Needs TEST_DATABASE_URL. Seeded: the seed is printed; SYNCLINE_SEED=<seed> replays the workload
 * (which transactions, which rows, which delays; database timing still varies the interleaving).
 * Long open transactions hold back the xid watermark of the whole cluster for up to ~200 ms, so
 * PostgreSQL tests running beside this file see slower (never wrong) delivery.
 */
import { randomBytes } from 'node:crypto';
import { defineSchema, t } from '@syncline/core';
import type { Listener, Rules } from '@syncline/server';
import { createSyncServer, listen } from '@syncline/server';
import { testAuth } from '@syncline/server/conformance';
import { createPostgresStore } from '@syncline/server/postgres';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type { Committed, Delivered, OracleReport } from './pg-concurrency/oracle.ts';
import { checkDelivery } from './pg-concurrency/oracle.ts';
import { runSeed } from './pg-concurrency/prng.ts';
import { naivePuller, syncPuller } from './pg-concurrency/pullers.ts';
import type { WriterEnv } from './pg-concurrency/workload.ts';
import { delayedStore, httpWriter, sqlWriter } from './pg-concurrency/workload.ts';

const url = process.env.TEST_DATABASE_URL;
const seed = runSeed();

const TRANSACTIONS = 10_000;
const SQL_WRITERS = 24;
const HTTP_WRITERS = 8;
const HOT_ROWS = 400;

const schema = defineSchema({
  items: {
    columns: { owner: t.text(), title: t.text(), n: t.integer().default(0) },
    conflicts: 'last-write-wins',
  },
});
/** Every row belongs to user `u`; writers and the puller are all `u` (token `user:u`). */
const rules: Rules = { items: { scope: 'owner' } };

const title = url
  ? `postgres concurrency (seed ${seed}; replay with SYNCLINE_SEED=${seed})`
  : 'postgres concurrency — SKIPPED: set TEST_DATABASE_URL=postgres://postgres@127.0.0.1:5432/test to run against a real PostgreSQL';

describe.skipIf(!url)(title, () => {
  const pgSchema = `sl_conc_${randomBytes(5).toString('hex')}`;
  let listener: Listener | undefined;
  let admin: pg.Client | undefined;
  let real: OracleReport;
  let naive: OracleReport;

  beforeAll(async () => {
    console.log(`pg-concurrency: seed ${seed} (replay with SYNCLINE_SEED=${seed})`);
    admin = new pg.Client({ connectionString: url, options: `-c search_path=${pgSchema}` });
    await admin.connect();
    const { rows: conn } = await admin.query<{ max_connections: string }>('SHOW max_connections');
    // 32 writers + the server's pool (10) + the naive puller + this connection, beside other test files.
    expect(Number(conn[0]!.max_connections)).toBeGreaterThanOrEqual(60);

    const store = createPostgresStore({
      connectionString: url!,
      schema,
      pgSchema,
      scopeColumns: { items: 'owner' },
      // 8 pushes hold a connection each while they wait; the rest serve pulls.
      pool: { max: HTTP_WRITERS + 2 },
    });
    await store.migrate();
    const server = createSyncServer({ schema, rules, store: delayedStore(store, seed), auth: testAuth });
    listener = await listen(server, { port: 0 });
    const syncUrl = `${listener.url}/sync`;

    const env: WriterEnv = {
      url: url!,
      pgSchema,
      seed,
      hotIds: Array.from({ length: HOT_ROWS }, (_, i) => `hot-${i}`),
      committed: [],
      failures: { count: 0 },
    };
    const writers = SQL_WRITERS + HTTP_WRITERS;
    const share = (i: number) => Math.floor(TRANSACTIONS / writers) + (i < TRANSACTIONS % writers ? 1 : 0);
    let writing = true;
    const started = Date.now();
    const real$ = syncPuller(
      syncUrl,
      seed,
      () => writing,
      async () => {
        const { rows } = await admin!.query<{ x: string | null }>('SELECT max(_txid)::text AS x FROM items');
        return BigInt(rows[0]!.x ?? '0');
      },
    );
    const naive$ = naivePuller(url!, pgSchema, seed, () => writing);
    try {
      await Promise.all([
        ...Array.from({ length: SQL_WRITERS }, (_, i) => sqlWriter(env, i, share(i))),
        ...Array.from({ length: HTTP_WRITERS }, (_, i) =>
          httpWriter(env, syncUrl, i, share(SQL_WRITERS + i)),
        ),
      ]);
    } finally {
      writing = false;
    }
    const writeMs = Date.now() - started;
    const [realRun, naiveRun] = await Promise.all([real$, naive$]);

    // bigint columns arrive as strings on a plain pg client.
    const { rows } = await admin.query<{
      id: string;
      version: string;
      n: string | null;
      title: string | null;
    }>('SELECT id, version, n, title FROM items');
    const finalRows: Delivered[] = rows.map((r) => ({
      id: r.id,
      version: Number(r.version),
      n: r.n === null ? null : Number(r.n),
      title: r.title,
    }));
    const committed: Committed[] = env.committed;
    real = checkDelivery(committed, realRun.delivered, finalRows);
    naive = checkDelivery(committed, naiveRun.delivered, finalRows);
    console.log(
      `pg-concurrency: ${TRANSACTIONS} transactions (${env.failures.count} writes rejected or rolled back) in ${writeMs} ms, ${finalRows.length} rows;` +
        `\n  xid watermark (${realRun.pulls} pulls): ${JSON.stringify(real)}` +
        `\n  naive cursor  (${naiveRun.pulls} pulls): ${JSON.stringify(naive)}`,
    );
  }, 240_000);

  afterAll(async () => {
    await listener?.close();
    await admin?.query(`DROP SCHEMA IF EXISTS ${pgSchema} CASCADE`);
    await admin?.end();
  });

  test('xid watermark: every committed write delivered or superseded, final states delivered, nothing twice', () => {
    expect(real.committed).toBeGreaterThan(TRANSACTIONS);
    expect(real, `seed ${seed}`).toMatchObject({ skipped: 0, finalMissing: 0, duplicates: 0, outOfOrder: 0 });
  });

  test('negative control: a naive (updated_at, id) cursor skips rows under the same workload', () => {
    expect(naive.skipped, `seed ${seed}: the naive cursor should have lost rows`).toBeGreaterThan(0);
  });
});
