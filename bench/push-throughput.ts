/**
 * Push throughput benchmark (`npm run bench:push`): one sync server process on PostgreSQL (a fresh
 * pg schema, dropped afterwards), N concurrent clients each pushing 500-mutation batches (inserts,
 * plus updates of their own earlier rows) over real HTTP. Reports mutations/s for the server
 * process, batch latency p50/p99, CPU, the machine, and — as a baseline in the same run — the raw
 * cost of plain multi-row INSERTs of the same rows through pg into the same (trigger-equipped) table.
 * `npm run bench` runs the same measurement as its S3 (`push-scenario.ts`), on SQLite too.
 *
 * Env: DATABASE_URL (else TEST_DATABASE_URL, else postgres://postgres@127.0.0.1:5432/test),
 * BENCH_CLIENTS (8), BENCH_BATCHES per client (10, after 2 warm-up batches), BENCH_BATCH (500),
 * BENCH_UPDATES (fraction of updates, 0.2), BENCH_POOL (server pool size, 10), BENCH_NODE_ARGS (extra
 * node flags for the server process, e.g. `--cpu-prof --cpu-prof-dir=/tmp/prof`).
 */
import os from 'node:os';
import pg from 'pg';
import type { BatchPlan } from './push-load.ts';
import { formatReport } from './push-report.ts';
import { pushToSyncline } from './push-scenario.ts';

const dbUrl =
  process.env.DATABASE_URL ?? process.env.TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
const plan: BatchPlan = {
  clients: Number(process.env.BENCH_CLIENTS ?? 8),
  batches: Number(process.env.BENCH_BATCHES ?? 10),
  warmup: 2,
  batchSize: Number(process.env.BENCH_BATCH ?? 500),
  updateFraction: Number(process.env.BENCH_UPDATES ?? 0.2),
};
const pool = Number(process.env.BENCH_POOL ?? 10);

const admin = new pg.Client({ connectionString: dbUrl });
await admin.connect();
const setting = async (name: string) => (await admin.query(`SHOW ${name}`)).rows[0]![name] as string;
const machine = {
  nproc: os.availableParallelism(),
  cpu: os.cpus()[0]?.model ?? 'unknown',
  node: process.version,
  postgres: await setting('server_version'),
  synchronousCommit: await setting('synchronous_commit'),
  serverPool: pool,
};
await admin.end();

const { run, serverCpuMs, baseline } = await pushToSyncline('postgres', plan, {
  dbUrl,
  pool,
  nodeArgs: process.env.BENCH_NODE_ARGS?.split(' ').filter(Boolean) ?? [],
  baseline: true,
});
console.log(
  formatReport({ plan, machine, syncRun: run, serverCpuMs: serverCpuMs ?? 0, baseline: baseline! }),
);
