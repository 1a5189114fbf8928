/**
 * The hostile-request fuzz as a test on one store (SQLite or PostgreSQL): the thin test files call
 * this. `FUZZ_RUNS` sets the requests per store after the warm-up (default 1,000 in `npm test`;
 * `npm run test:fuzz` runs 10,000), `FUZZ_SEED` replays a run (printed, and named in failures).
 */
import { afterAll, describe, expect, test } from 'vitest';
import { runFuzz } from './fuzz.ts';
import { tempDir } from './server.ts';

const RUNS = Number(process.env.FUZZ_RUNS ?? 1000);
const WARMUP = Number(process.env.FUZZ_WARMUP ?? 300);
const SEED = Number(process.env.FUZZ_SEED ?? 20261203);

export function fuzzSuite(store: 'SQLite' | 'PostgreSQL'): void {
  const url = process.env.TEST_DATABASE_URL;
  const skip = store === 'PostgreSQL' && !url;
  const dir = tempDir('syncline-fuzz-');
  afterAll(() => dir.cleanup());
  describe.skipIf(skip)(
    `hostile-request fuzz on ${store}${skip ? ' — SKIPPED: set TEST_DATABASE_URL=postgres://postgres@127.0.0.1:5432/test' : ''}`,
    () => {
      test(
        `${RUNS} hostile requests after ${WARMUP} of warm-up: no 5xx, valid mutations applied, server up, heap back, table exact`,
        async () => {
          console.log(
            `hostile-request fuzz on ${store}: seed=${SEED} runs=${RUNS} warmup=${WARMUP} (replay with FUZZ_SEED=${SEED})`,
          );
          const report = await runFuzz({
            store,
            dir: dir.path,
            pgUrl: url,
            runs: RUNS,
            warmup: WARMUP,
            seed: SEED,
          });
          console.log(`hostile-request fuzz on ${store}: ${JSON.stringify(report)}`);
          expect(report.requests).toBe(RUNS + WARMUP);
          expect(report.validApplied).toBeGreaterThan(0);
        },
        120_000 + (RUNS + WARMUP) * 100,
      );
    },
  );
}
