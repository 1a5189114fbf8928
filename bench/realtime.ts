/**
 * S4, write → visible latency with 1 and N clients: runs the realtime fan-out benchmark
 * (`bench/realtime-fanout.ts`, `npm run bench:realtime`) as a capped child on SQLite and reads
 * its report: full clients (A's write → B's `watch`) and protocol-level sockets (push → poke, push
 * → row in the poked pull). N = lists × members (100 × 10 = 1,000 in full mode).
 */
import { existsSync } from 'node:fs';
import { type RunOutcome, runCapped, tsNode } from './child.ts';

export interface RealtimeReport {
  oneSocket: { writes: number; poke: string; visible: string };
  /** Full clients: A's `insert()` → B's `watch` callback, alone and among `load.clients`. */
  full?: {
    one: { writes: number; missed: number; visible: string };
    load: { clients: number; writes: number; missed: number; visible: string };
  };
  /** `sockets` protocol-level ones; `clients` with the two full clients (runs before them: absent). */
  load: { sockets: number; clients?: number; writes: number; poke: string; visible: string };
  idle?: { sockets: number; heapPerSocketBytes: number; rssPerSocketBytes: number };
}

export interface Realtime {
  available: boolean;
  clients: readonly number[];
  outcome?: RunOutcome<RealtimeReport>;
}

const FILE = './realtime-fanout.ts';

/** "p50 1.2 ms / p99 3.4 ms" → { p50, p99 } in ms. */
export function latencies(text: string): { p50: number; p99: number | null } {
  const p50 = /p50 ([\d.]+) ms/.exec(text);
  const p99 = /p99 ([\d.]+) ms/.exec(text);
  return { p50: p50 ? Number(p50[1]) : Number.NaN, p99: p99 ? Number(p99[1]) : null };
}

export async function runRealtime(opts: {
  clients: readonly number[];
  capMs: number;
  quick: boolean;
}): Promise<Realtime> {
  if (!existsSync(new URL(FILE, import.meta.url))) return { available: false, clients: opts.clients };
  const many = opts.clients.at(-1) ?? 1000;
  const members = 10;
  const outcome = await runCapped<RealtimeReport>(
    {
      argv: tsNode(FILE),
      env: {
        // SQLite (its default): S3 covers PostgreSQL; an inherited DATABASE_URL would switch it.
        DATABASE_URL: '',
        BENCH_LISTS: String(Math.max(1, Math.round(many / members))),
        BENCH_LIST_SIZE: String(members),
        BENCH_SECONDS: opts.quick ? '3' : '10',
        BENCH_IDLE: opts.quick ? '1000' : '10000',
      },
    },
    opts.capMs,
  );
  return { available: true, clients: opts.clients, outcome };
}
