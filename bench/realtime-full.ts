/**
 * The realtime benchmark's side of its full-client process (`realtime-clients.ts`): starts it
 * against a running server, waits until both clients are live, and sends it measurement commands.
 * The process exits when its stdin closes, so it never outlives the benchmark.
 */
import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { tsNode } from './child.ts';

export interface FullSamples {
  /** A's `insert()` → B's `watch` callback holding the row, ms, one per write seen. */
  visible: number[];
  /** Writes B did not see in time. */
  missed: number;
  /** Per write seen, from just before the insert: A's outbox empty again (its push acknowledged). */
  acked: number[];
  /** Per write seen: B's first pull begun after the insert (about when the poke reached it). */
  pulling: number[];
}

export interface FullClients {
  /** `writes` sequential writes `pauseMs` apart, or writes for `forMs` with random pauses below `pauseMs`. */
  measure(cmd: { writes?: number; forMs?: number; pauseMs: number }): Promise<FullSamples>;
  stop(): Promise<void>;
}

export async function startFullClients(env: {
  url: string;
  secret: string;
  writer: string;
  watcher: string;
  list: string;
}): Promise<FullClients> {
  const [node, ...args] = tsNode('./realtime-clients.ts');
  const child = spawn(node!, args, {
    env: {
      ...process.env,
      BENCH_URL: env.url,
      BENCH_SECRET: env.secret,
      BENCH_WRITER: env.writer,
      BENCH_WATCHER: env.watcher,
      BENCH_LIST: env.list,
    },
    stdio: ['pipe', 'pipe', 'inherit'],
  });
  const lines: string[] = [];
  let wake: (() => void) | undefined;
  let exited: string | undefined;
  createInterface({ input: child.stdout! }).on('line', (line) => {
    lines.push(line);
    wake?.();
  });
  child.once('exit', (code, signal) => {
    exited = `the full-client process exited with ${code ?? signal}`;
    wake?.();
  });
  const next = async <T>(): Promise<T> => {
    while (lines.length === 0) {
      if (exited) throw new Error(exited);
      await new Promise<void>((resolve) => (wake = resolve));
    }
    return JSON.parse(lines.shift()!) as T;
  };
  const stop = async () => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    const gone = new Promise((resolve) => child.once('exit', resolve));
    child.stdin!.end();
    const forced = setTimeout(() => child.kill('SIGKILL'), 10_000);
    await gone;
    clearTimeout(forced);
  };
  try {
    await next<{ ready: true }>();
  } catch (error) {
    await stop();
    throw error;
  }
  return {
    async measure(cmd) {
      child.stdin!.write(`${JSON.stringify(cmd)}\n`);
      return next<FullSamples>();
    },
    stop,
  };
}
