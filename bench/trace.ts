/**
 * An env-gated trace of the realtime chain (issue 11): with BENCH_TRACE_DIR set, `mark(name)`
 * keeps `[name, ms]` on the system's monotonic clock (the same in every process) and the process
 * writes them to `<dir>/<tag>-<pid>.json` when it exits. Without it, `mark` does nothing.
 * `realtime-trace.ts` reads the files and prints where a write's time goes.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';

const dir = process.env.BENCH_TRACE_DIR;
const marks: Array<[string, number]> = [];
export const tracing = dir !== undefined && dir !== '';
export const now = () => Number(process.hrtime.bigint()) / 1e6;

export function mark(name: string): void {
  if (tracing) marks.push([name, now()]);
}

export function traceTo(tag: string): void {
  if (!tracing) return;
  process.on('exit', () => writeFileSync(join(dir!, `${tag}-${process.pid}.json`), JSON.stringify(marks)));
}
