/**
 * S3 on SQLite alone plus the in-memory ceiling, in one run (a developer's quick check):
 * `tsx --conditions=@syncline/source bench/push-sqlite-quick.ts [--no-ceiling]`.
 * BENCH_NODE_ARGS adds flags to the server process (e.g. `--cpu-prof --cpu-prof-dir=/tmp/prof`).
 */
import type { BatchPlan } from './push-load.ts';
import { pushToCeiling, pushToSyncline } from './push-scenario.ts';

const plan: BatchPlan = {
  clients: Number(process.env.BENCH_CLIENTS ?? 8),
  batches: Number(process.env.BENCH_BATCHES ?? 10),
  warmup: 2,
  batchSize: Number(process.env.BENCH_BATCH ?? 500),
  updateFraction: Number(process.env.BENCH_UPDATES ?? 0.2),
};
const rate = (m: number, ms: number) => Math.round((m / ms) * 1000);
const s = await pushToSyncline('sqlite', plan, {
  nodeArgs: process.env.BENCH_NODE_ARGS?.split(' ').filter(Boolean) ?? [],
});
const perMut = ((s.serverCpuMs ?? 0) * 1000) / s.run.mutations;
console.log(
  `sqlite: ${rate(s.run.mutations, s.run.wallMs)}/s, server CPU ${perMut.toFixed(1)} µs/mutation, rejected ${s.run.rejected}, busy ${(s.run.machineBusy * 100).toFixed(0)}%`,
);
if (!process.argv.includes('--no-ceiling')) {
  const c = await pushToCeiling(plan);
  console.log(`ceiling: ${rate(c.run.mutations, c.run.wallMs)}/s`);
}
process.exit(0);
