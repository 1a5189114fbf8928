/**
 * `npm run test:sim -- --seeds N [--store sqlite|postgres] [--seed S] [--first F] [--control idempotency|cursor] [--steps K] [--trace] [--loopback]`
 *
 * Runs seeds F..F+N-1 (default F=1) of the deterministic simulation, prints every failing seed
 * with its replay command, and ends with one summary line:
 * `seeds: N, lost: 0, duplicated: 0, diverged: 0`. `SYNCLINE_SIM_SEED=S` replays one seed.
 * With --control, a deliberately broken server is used and the line reports how many seeds
 * caught it; the exit code is 0 only if at least 99% did.
 */
import { parseArgs } from 'node:util';
import type { Control } from './recorder.ts';
import type { StoreKind } from './server.ts';
import { runSeed, type SeedResult } from './sim.ts';

const { values } = parseArgs({
  options: {
    seeds: { type: 'string', default: '100' },
    first: { type: 'string', default: '1' },
    seed: { type: 'string' },
    store: { type: 'string', default: 'sqlite' },
    control: { type: 'string' },
    steps: { type: 'string' },
    trace: { type: 'boolean', default: false },
    loopback: { type: 'boolean', default: false },
  },
});
const store = values.store as StoreKind;
if (store !== 'sqlite' && store !== 'postgres') throw new Error('--store must be sqlite or postgres');
const pgUrl = process.env.TEST_DATABASE_URL;
if (store === 'postgres' && !pgUrl) throw new Error('--store postgres needs TEST_DATABASE_URL');
const control = (values.control ?? null) as Control | null;
if (control !== null && control !== 'idempotency' && control !== 'cursor')
  throw new Error('--control must be idempotency or cursor');
const one = process.env.SYNCLINE_SIM_SEED ?? values.seed;
const seeds = one !== undefined ? [Number(one)] : range(Number(values.first), Number(values.seeds));

function range(first: number, n: number) {
  return Array.from({ length: n }, (_, i) => first + i);
}

const started = Date.now();
const totals = { lost: 0, duplicated: 0, diverged: 0, failed: 0 };
for (const seed of seeds) {
  const res: SeedResult = await runSeed(seed, {
    store,
    ...(pgUrl ? { pgUrl } : {}),
    control,
    ...(values.steps ? { steps: Number(values.steps) } : {}),
    keepTrace: values.trace,
    loopback: values.loopback,
  });
  const v = res.verdict;
  if (v.lost.length) totals.lost++;
  if (v.duplicated.length) totals.duplicated++;
  if (v.diverged.length) totals.diverged++;
  const bad = v.lost.length + v.duplicated.length + v.diverged.length > 0;
  if (bad) totals.failed++;
  if (seeds.length === 1) {
    if (values.trace) for (const line of res.trace ?? []) console.log(`  ${line}`);
    console.log(`seed ${seed}: trace ${res.traceHash}, ${JSON.stringify(res.stats)}`);
  }
  if (!bad && control !== null)
    console.log(`control not caught by seed ${seed} (trace ${res.traceHash}) ${JSON.stringify(res.stats)}`);
  if (bad && control === null) {
    console.log(
      `FAIL seed ${seed} (trace ${res.traceHash}); replay: SYNCLINE_SIM_SEED=${seed} npm run test:sim -- --store ${store}`,
    );
    for (const m of [...v.lost, ...v.duplicated, ...v.diverged].slice(0, 8)) console.log(`  ${m}`);
  }
}
const secs = ((Date.now() - started) / 1000).toFixed(1);
if (control !== null) {
  const caught = totals.failed;
  console.log(
    `control ${control} (${store}): caught in ${caught}/${seeds.length} seeds (${((100 * caught) / seeds.length).toFixed(1)}%), ${secs}s`,
  );
  process.exit(caught >= 0.99 * seeds.length ? 0 : 1);
}
console.log(
  `seeds: ${seeds.length}, lost: ${totals.lost}, duplicated: ${totals.duplicated}, diverged: ${totals.diverged}  (${store}, ${secs}s)`,
);
process.exit(totals.failed === 0 ? 0 : 1);
