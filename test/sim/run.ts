/**
 * `npm run test:sim -- --seeds N [--store sqlite|postgres] [--seed S] [--first F] [--control idempotency|cursor] [--steps K] [--trace] [--loopback [--drop-pokes]]`
 * (`--help` lists them).
 *
 * Runs seeds F..F+N-1 (default F=1) of the deterministic simulation, prints every failing seed
 * with its replay command, and ends with one summary line:
 * `seeds: N, lost: 0, duplicated: 0, diverged: 0`. `SYNCLINE_SIM_SEED=S` replays one seed.
 * With --control, a deliberately broken server is used and the line reports how many seeds
 * caught it; the exit code is 0 only if at least 99% did.
 */
import { parseArgs } from 'node:util';
import { violations } from './batch.ts';
import type { Control } from './recorder.ts';
import type { StoreKind } from './server.ts';
import { runSeed, type SeedResult } from './sim.ts';

const HELP = `Usage: npm run test:sim -- [options]

Runs seeds of the deterministic fault-injection simulation (docs/decisions/0007-simulation.md)
and prints one line: seeds: N, lost: 0, duplicated: 0, diverged: 0.

Options:
  --seeds N          how many seeds (default 100)
  --first F          first seed (default 1): runs F..F+N-1
  --seed S           one seed, with its trace hash and stats (also SYNCLINE_SIM_SEED=S)
  --store sqlite|postgres
                     the server store (default sqlite). postgres needs TEST_DATABASE_URL, e.g.
                     TEST_DATABASE_URL=postgres://postgres@127.0.0.1:5432/test (a fresh schema
                     per seed, dropped afterwards)
  --control idempotency|cursor
                     a deliberately broken server; the run passes if at least 99% of seeds catch it
  --steps K          chaos steps per seed before healing (default 80)
  --trace            with --seed: print the trace
  --loopback         real HTTP and the realtime socket through the loopback TCP fault proxy
                     (not replayable); adds the unpoked count (pokes.ts)
  --drop-pokes       with --loopback: the proxy drops every poke (negative control: the run
                     passes if at least 99% of seeds report unpoked)
  -h, --help         this help`;

function usage(message: string): never {
  console.error(`test:sim: ${message}\nRun "npm run test:sim -- --help" for the options.`);
  process.exit(2);
}

let parsed: ReturnType<typeof parse>;
function parse() {
  return parseArgs({
    options: {
      seeds: { type: 'string', default: '100' },
      first: { type: 'string', default: '1' },
      seed: { type: 'string' },
      store: { type: 'string', default: 'sqlite' },
      control: { type: 'string' },
      steps: { type: 'string' },
      trace: { type: 'boolean', default: false },
      loopback: { type: 'boolean', default: false },
      'drop-pokes': { type: 'boolean', default: false },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
}
try {
  parsed = parse();
} catch (error) {
  usage(error instanceof Error ? error.message : String(error));
}
const { values } = parsed;
if (values.help) {
  console.log(HELP);
  process.exit(0);
}
const store = values.store as StoreKind;
if (store !== 'sqlite' && store !== 'postgres')
  usage(`--store must be sqlite or postgres, got "${values.store}".`);
const pgUrl = process.env.TEST_DATABASE_URL;
if (store === 'postgres' && !pgUrl)
  usage(
    '--store postgres needs a PostgreSQL database: set TEST_DATABASE_URL, e.g. TEST_DATABASE_URL=postgres://postgres@127.0.0.1:5432/test npm run test:sim -- --store postgres',
  );
const control = (values.control ?? null) as Control | null;
if (control !== null && control !== 'idempotency' && control !== 'cursor')
  usage(`--control must be idempotency or cursor, got "${values.control}".`);
for (const flag of ['seeds', 'first', 'seed', 'steps'] as const) {
  const v = values[flag];
  if (v !== undefined && !/^\d+$/.test(v)) usage(`--${flag} must be a whole number, got "${v}".`);
}
const one = process.env.SYNCLINE_SIM_SEED ?? values.seed;
const seeds = one !== undefined ? [Number(one)] : range(Number(values.first), Number(values.seeds));

function range(first: number, n: number) {
  return Array.from({ length: n }, (_, i) => first + i);
}

/** A negative control: a broken server (--control) or a network that drops every poke. */
const controlName = control ?? (values['drop-pokes'] ? 'drop-pokes' : null);
if (values['drop-pokes'] && !values.loopback) usage('--drop-pokes needs --loopback.');
const started = Date.now();
const totals = {
  lost: 0,
  duplicated: 0,
  diverged: 0,
  unpoked: 0,
  failed: 0,
  restores: 0,
  restartsOfServer: 0,
};
for (const seed of seeds) {
  const res: SeedResult = await runSeed(seed, {
    store,
    ...(pgUrl ? { pgUrl } : {}),
    control,
    ...(values.steps ? { steps: Number(values.steps) } : {}),
    keepTrace: values.trace,
    loopback: values.loopback,
    dropPokes: values['drop-pokes'],
  });
  const v = res.verdict;
  totals.restores += res.stats.restores ?? 0;
  totals.restartsOfServer += res.stats['server-restarts'] ?? 0;
  if (v.lost.length) totals.lost++;
  if (v.duplicated.length) totals.duplicated++;
  if (v.diverged.length) totals.diverged++;
  if (v.unpoked?.length) totals.unpoked++;
  const bad = violations(v).length > 0;
  if (bad) totals.failed++;
  if (seeds.length === 1) {
    if (values.trace) for (const line of res.trace ?? []) console.log(`  ${line}`);
    console.log(`seed ${seed}: trace ${res.traceHash}, ${JSON.stringify(res.stats)}`);
  }
  if (!bad && controlName !== null)
    console.log(`control not caught by seed ${seed} (trace ${res.traceHash}) ${JSON.stringify(res.stats)}`);
  if (bad && controlName === null) {
    console.log(
      `FAIL seed ${seed} (trace ${res.traceHash}); replay: SYNCLINE_SIM_SEED=${seed} npm run test:sim -- --store ${store}${values.loopback ? ' --loopback' : ''}`,
    );
    for (const m of violations(v).slice(0, 8)) console.log(`  ${m}`);
  }
}
const secs = ((Date.now() - started) / 1000).toFixed(1);
if (controlName !== null) {
  const caught = totals.failed;
  console.log(
    `control ${controlName} (${store}): caught in ${caught}/${seeds.length} seeds (${((100 * caught) / seeds.length).toFixed(1)}%), ${secs}s`,
  );
  process.exit(caught >= 0.99 * seeds.length ? 0 : 1);
}
console.log(
  `seeds: ${seeds.length}, lost: ${totals.lost}, duplicated: ${totals.duplicated}, diverged: ${totals.diverged}${values.loopback ? `, unpoked: ${totals.unpoked}` : ''}  (${store}, ${secs}s; ${totals.restores} restores, ${totals.restartsOfServer} server restarts)`,
);
process.exit(totals.failed === 0 ? 0 : 1);
