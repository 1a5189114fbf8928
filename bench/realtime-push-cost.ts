/**
 * What realtime costs the push path (issue 11, done-when 5): server push throughput with no
 * socket (the change feed idle) against the same pushes with BENCH_SOCKETS (100) realtime sockets
 * open, every push poking its user's sockets; repetitions interleaved, medians compared.
 * SQLite by default; PostgreSQL with DATABASE_URL. Run: `npm run bench:realtime-cost`.
 */

import type { BatchPlan } from './push-load.ts';
import { pushToSyncline } from './push-scenario.ts';

const dbUrl = process.env.DATABASE_URL;
const store = dbUrl ? 'postgres' : 'sqlite';
const sockets = Number(process.env.BENCH_SOCKETS ?? 100);
const reps = Number(process.env.BENCH_REPS ?? 3);
const plan: BatchPlan = {
  clients: Number(process.env.BENCH_CLIENTS ?? 4),
  batches: Number(process.env.BENCH_BATCHES ?? 8),
  warmup: 2,
  batchSize: 500,
  updateFraction: 0.2,
};

const rate = (r: Awaited<ReturnType<typeof pushToSyncline>>) => r.run.mutations / (r.run.wallMs / 1000);
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const off: number[] = [];
const on: number[] = [];
for (let i = 0; i < reps; i++) {
  off.push(rate(await pushToSyncline(store, plan, dbUrl ? { dbUrl } : {})));
  on.push(rate(await pushToSyncline(store, plan, { ...(dbUrl ? { dbUrl } : {}), sockets })));
  console.log(`rep ${i + 1}: no socket ${off[i]!.toFixed(0)}/s, ${sockets} sockets ${on[i]!.toFixed(0)}/s`);
}
const cost = 1 - median(on) / median(off);
console.log(
  JSON.stringify({
    store,
    sockets,
    plan,
    mutationsPerSecond: { noSocket: Math.round(median(off)), withSockets: Math.round(median(on)) },
    cost: `${(cost * 100).toFixed(1)}%`,
  }),
);
