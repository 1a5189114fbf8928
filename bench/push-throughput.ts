/**
 * Push throughput benchmark (`npm run bench:push`): one sync server process on PostgreSQL (a fresh
 * pg schema, dropped afterwards), N concurrent clients each pushing 500-mutation batches (inserts,
 * plus updates of their own earlier rows) over real HTTP. Reports mutations/s for the server
 * process, batch latency p50/p99, CPU, the machine, and — as a baseline in the same run — the raw
 * cost of plain multi-row INSERTs of the same rows through pg into the same (trigger-equipped) table.
 *
 * Env: DATABASE_URL (else TEST_DATABASE_URL, else postgres://postgres@127.0.0.1:5432/test),
 * BENCH_CLIENTS (8), BENCH_BATCHES per client (10, after 2 warm-up batches), BENCH_BATCH (500),
 * BENCH_UPDATES (fraction of updates, 0.2), BENCH_POOL (server pool size, 10), BENCH_NODE_ARGS (extra
 * node flags for the server process, e.g. `--cpu-prof --cpu-prof-dir=/tmp/prof`).
 */
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import os from 'node:os';
import { createInterface } from 'node:readline';
import { PROTOCOL_VERSION } from '@syncline/core';
import { signDevToken } from '@syncline/server';
import pg from 'pg';
import { baselineInsert } from './push-baseline.ts';
import type { BatchPlan } from './push-load.ts';
import { runClients } from './push-load.ts';
import { formatReport } from './push-report.ts';

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
const pgSchema = `sl_bench_${randomBytes(4).toString('hex')}`;
const secret = randomBytes(32).toString('hex');

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

const child = spawn(
  process.execPath,
  [
    ...(process.env.BENCH_NODE_ARGS?.split(' ').filter(Boolean) ?? []),
    '--conditions=@syncline/source',
    '--import',
    'tsx',
    new URL('./sync-server.ts', import.meta.url).pathname,
  ],
  {
    env: {
      ...process.env,
      BENCH_DB_URL: dbUrl,
      BENCH_PG_SCHEMA: pgSchema,
      BENCH_SECRET: secret,
      BENCH_POOL: String(pool),
      BENCH_STORE: 'postgres',
    },
    stdio: ['ignore', 'pipe', 'inherit'],
  },
);
try {
  const baseUrl = await new Promise<string>((resolve, reject) => {
    child.once('exit', (code) => reject(new Error(`server exited with ${code}`)));
    createInterface({ input: child.stdout! }).once('line', (line) =>
      resolve((JSON.parse(line) as { url: string }).url),
    );
  });
  const cpu = async () =>
    (await (await fetch(`${baseUrl}/bench/cpu`)).json()) as { user: number; system: number };
  const tokens = await Promise.all(
    Array.from({ length: plan.clients }, (_, i) => signDevToken(secret, `user${i}`, 3600)),
  );
  const push = async (client: number, body: unknown) => {
    const res = await fetch(`${baseUrl}/sync/push`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${tokens[client]}` },
      body: JSON.stringify({ protocol: PROTOCOL_VERSION, ...(body as object) }),
    });
    if (res.status !== 200) throw new Error(`push answered ${res.status}: ${await res.text()}`);
    return (await res.json()) as {
      results: Array<{ status: string; record?: { id: string; version: number } }>;
    };
  };

  const cpuBefore = await cpu();
  const syncRun = await runClients(plan, push);
  const cpuAfter = await cpu();
  const serverCpuMs = (cpuAfter.user - cpuBefore.user + cpuAfter.system - cpuBefore.system) / 1000;

  const baseline = await baselineInsert(dbUrl, pgSchema, plan);
  console.log(formatReport({ plan, machine, syncRun, serverCpuMs, baseline }));
} finally {
  child.kill('SIGTERM');
  await admin.query(`DROP SCHEMA IF EXISTS ${pgSchema} CASCADE`);
  await admin.end();
}
