/** Runs a range of seeds and sums the verdicts into the one summary line. */
import type { Control } from './recorder.ts';
import type { StoreKind } from './server.ts';
import { runSeed, type SeedResult } from './sim.ts';

export interface BatchResult {
  seeds: number;
  lost: number;
  duplicated: number;
  diverged: number;
  /** Loopback: seeds where an open socket's device missed a poke after healing. */
  unpoked: number;
  /** Stats summed over the seeds (faults injected, pokes forwarded…). */
  totals: Record<string, number>;
  /** Seeds with any violation (for controls: the seeds that caught the broken server). */
  failing: SeedResult[];
  summary: string;
}

export async function runBatch(
  seeds: readonly number[],
  o: {
    store: StoreKind;
    pgUrl?: string;
    control?: Control | null;
    loopback?: boolean;
    steps?: number;
    dropPokes?: boolean;
  },
): Promise<BatchResult> {
  const r: BatchResult = {
    seeds: seeds.length,
    lost: 0,
    duplicated: 0,
    diverged: 0,
    unpoked: 0,
    totals: {},
    failing: [],
    summary: '',
  };
  for (const seed of seeds) {
    const res = await runSeed(seed, o);
    const v = res.verdict;
    if (v.lost.length) r.lost++;
    if (v.duplicated.length) r.duplicated++;
    if (v.diverged.length) r.diverged++;
    if (v.unpoked?.length) r.unpoked++;
    for (const [k, n] of Object.entries(res.stats)) r.totals[k] = (r.totals[k] ?? 0) + n;
    if (violations(v).length > 0) r.failing.push(res);
  }
  r.summary = `seeds: ${r.seeds}, lost: ${r.lost}, duplicated: ${r.duplicated}, diverged: ${r.diverged}${o.loopback ? `, unpoked: ${r.unpoked}` : ''}`;
  return r;
}

/** How to replay a failing seed, with its first violations. */
export function describeFailures(failing: readonly SeedResult[], store: StoreKind): string {
  return failing
    .map((f) => {
      const v = f.verdict;
      const msgs = violations(v)
        .slice(0, 5)
        .map((m) => `    ${m}`);
      return [
        `  seed ${f.seed}: SYNCLINE_SIM_SEED=${f.seed} npm run test:sim -- --store ${store}`,
        ...msgs,
      ].join('\n');
    })
    .join('\n');
}

/** Every violation of a verdict, as messages. */
export const violations = (v: SeedResult['verdict']): string[] => [
  ...v.lost,
  ...v.duplicated,
  ...v.diverged,
  ...(v.unpoked ?? []),
];

export const range = (first: number, n: number) => Array.from({ length: n }, (_, i) => first + i);
