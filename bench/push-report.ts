/** Formats the push benchmark's results as a Markdown report plus one JSON line for tooling. */
import type { BatchPlan, RunResult } from './push-load.ts';

export function percentile(xs: readonly number[], p: number): number {
  const sorted = [...xs].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] ?? 0;
}

const round = (x: number) => Math.round(x);

export function formatReport(r: {
  plan: BatchPlan;
  machine: Record<string, string | number>;
  syncRun: RunResult;
  serverCpuMs: number;
  baseline: RunResult;
}): string {
  const rate = (run: RunResult) => run.mutations / (run.wallMs / 1000);
  const row = (name: string, run: RunResult) =>
    `| ${name} | ${round(rate(run)).toLocaleString('en')} | ${round(percentile(run.latencies, 50))} | ${round(percentile(run.latencies, 99))} | ${round(run.machineBusy * 100)}% |`;
  const perMutationUs = (r.serverCpuMs * 1000) / r.syncRun.mutations;
  const lines = [
    `Machine: ${Object.entries(r.machine)
      .map(([k, v]) => `${k}=${v}`)
      .join(', ')}`,
    `Workload: ${r.plan.clients} clients x ${r.plan.batches} batches x ${r.plan.batchSize} mutations (${Math.round(r.plan.updateFraction * 100)}% updates after the first batch), ${r.plan.warmup} warm-up batches each`,
    '',
    '| path | mutations/s | p50 batch ms | p99 batch ms | machine CPU busy |',
    '| --- | ---: | ---: | ---: | ---: |',
    row('sync server: POST /sync/push over HTTP (1 process)', r.syncRun),
    row('baseline: plain multi-row INSERT through pg', r.baseline),
    '',
    `Server process CPU: ${perMutationUs.toFixed(1)} µs per mutation (${round(r.serverCpuMs)} ms for ${r.syncRun.mutations} mutations); rejected: ${r.syncRun.rejected}`,
    `JSON ${JSON.stringify({ machine: r.machine, plan: r.plan, push: { perSec: round(rate(r.syncRun)), p50: percentile(r.syncRun.latencies, 50), p99: percentile(r.syncRun.latencies, 99), serverCpuUsPerMutation: perMutationUs }, baseline: { perSec: round(rate(r.baseline)), p50: percentile(r.baseline.latencies, 50), p99: percentile(r.baseline.latencies, 99) } })}`,
  ];
  return lines.join('\n');
}
