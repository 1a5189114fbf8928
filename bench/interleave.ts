/**
 * Runs every contender `reps` times, repetitions interleaved and rotated (A B C, B C A, C A B, …)
 * so that a noisy moment of the machine spreads over all of them. A contender that did not finish under its cap
 * (or failed) is not run again at this size: its result is "did not finish".
 */
import { type RunOutcome, runCapped } from './child.ts';
import type { Contender } from './contenders.ts';

export interface ContenderRuns<T> {
  name: string;
  label: string;
  kind: Contender<unknown>['kind'];
  notes: string;
  runs: Array<RunOutcome<T>>;
}

export async function runInterleaved<C, T>(
  contenders: ReadonlyArray<Contender<C>>,
  ctx: C,
  opts: { reps: number; capMs: number; check?: (result: T) => string | null; log?: (line: string) => void },
): Promise<Array<ContenderRuns<T>>> {
  const all = contenders.map((c) => ({
    name: c.name,
    label: c.label,
    kind: c.kind,
    notes: c.notes,
    runs: [] as Array<RunOutcome<T>>,
  }));
  for (let rep = 0; rep < opts.reps; rep++) {
    // Each repetition starts one contender later, so that no one always runs first (right after
    // seeding) or right after the same neighbour.
    for (let k = 0; k < contenders.length; k++) {
      const i = (k + rep) % contenders.length;
      const contender = contenders[i]!;
      const mine = all[i]!;
      if (mine.runs.some((r) => r.status !== 'ok')) continue;
      let outcome = await runCapped<T>(contender.command(ctx), opts.capMs);
      if (outcome.status === 'ok') {
        const problem = opts.check?.(outcome.result);
        if (problem) outcome = { status: 'failed', error: problem };
      }
      mine.runs.push(outcome);
      opts.log?.(
        `  ${contender.name} #${rep + 1}: ${outcome.status === 'ok' ? `${Math.round(outcome.wallMs)} ms wall` : outcome.status === 'dnf' ? `did not finish in ${opts.capMs / 1000} s` : `failed: ${outcome.error.slice(0, 300)}`}`,
      );
    }
  }
  return all;
}

/** The median of the ok runs' `pick`, or null when any run did not finish or failed. */
export function medianOf<T>(runs: ReadonlyArray<RunOutcome<T>>, pick: (r: T) => number): number | null {
  if (runs.length === 0 || runs.some((r) => r.status !== 'ok')) return null;
  const xs = runs.map((r) => pick((r as { result: T }).result)).sort((a, b) => a - b);
  const mid = Math.floor(xs.length / 2);
  return xs.length % 2 ? xs[mid]! : (xs[mid - 1]! + xs[mid]!) / 2;
}
