/** S2, local writes: every contender in a fresh process, repetitions interleaved. */
import { localWriteContenders, type WriteSizes } from './contenders.ts';
import { type ContenderRuns, runInterleaved } from './interleave.ts';

export interface WritesResult {
  singles: { count: number; p50: number; p99: number };
  bulk: { rows: number; ms: number; how: string };
  peakRssBytes: number;
}

export interface LocalWrites extends WriteSizes {
  capMs: number;
  contenders: Array<ContenderRuns<WritesResult>>;
}

export async function runLocalWrites(
  sizes: WriteSizes & { capMs: number },
  reps: number,
  log: (line: string) => void,
  peers = true,
): Promise<LocalWrites> {
  const who = localWriteContenders.filter((c) => peers || c.kind !== 'peer');
  const contenders = await runInterleaved<WriteSizes, WritesResult>(who, sizes, {
    reps,
    capMs: sizes.capMs,
    check: (r) => (r.singles.count === sizes.singles && r.bulk.rows === sizes.bulk ? null : 'wrong counts'),
    log,
  });
  return { ...sizes, contenders };
}
