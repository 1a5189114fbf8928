/**
 * The realtime benchmark's full clients: two processes of `realtime-clients.ts` against a running
 * server, A writing to a list and B watching it, each a real Syncline client (so neither one's
 * sync work queues behind the other's on one event loop). `measure` makes A write, one write at
 * a time, each after B saw the previous one, and times A's `insert()` → B's `watch` callback on
 * the shared monotonic clock. The processes exit when their stdin closes, so they never outlive
 * the benchmark.
 */
import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { tsNode } from './child.ts';

export interface FullSamples {
  /** A's `insert()` → B's `watch` callback holding the row, ms, one per write seen. */
  visible: number[];
  /** Writes B did not see in `MISS_MS`. */
  missed: number;
  /** Per write seen, from just before the insert: the end of the push it triggered at A. */
  acked: number[];
  /** Per write seen: B's first pull begun after the insert (about when the poke reached it). */
  pulling: number[];
}

export interface FullClients {
  /** `writes` sequential writes `pauseMs` apart, or writes for `forMs` with random pauses below `pauseMs`. */
  measure(cmd: { writes?: number; forMs?: number; pauseMs: number }): Promise<FullSamples>;
  stop(): Promise<void>;
}

const MISS_MS = 5000;

type Event = { ready?: true; title?: string; t0?: number; acked?: number; seen?: number; pulling?: number };

/** One client process; `on` gets every event line after its ready line. */
async function clientProcess(env: Record<string, string>, on: (e: Event) => void) {
  const [node, ...args] = tsNode('./realtime-clients.ts');
  const child = spawn(node!, args, { env: { ...process.env, ...env }, stdio: ['pipe', 'pipe', 'inherit'] });
  const stop = async () => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    const gone = new Promise((resolve) => child.once('exit', resolve));
    child.stdin!.end();
    const forced = setTimeout(() => child.kill('SIGKILL'), 10_000);
    await gone;
    clearTimeout(forced);
  };
  try {
    await new Promise<void>((resolve, reject) => {
      child.once('exit', (code, signal) => reject(new Error(`a full client exited with ${code ?? signal}`)));
      createInterface({ input: child.stdout! }).on('line', (line) => {
        const e = JSON.parse(line) as Event;
        if (e.ready) resolve();
        else on(e);
      });
    });
  } catch (error) {
    await stop();
    throw error;
  }
  return { send: (msg: object) => child.stdin!.write(`${JSON.stringify(msg)}\n`), stop };
}

export async function startFullClients(env: {
  url: string;
  secret: string;
  writer: string;
  watcher: string;
  list: string;
}): Promise<FullClients> {
  const common = { BENCH_URL: env.url, BENCH_SECRET: env.secret, BENCH_LIST: env.list };
  const seen = new Map<string, number>();
  const pulls: number[] = [];
  const written = new Map<string, { t0: number; acked: number }>();
  let wake = () => {};
  const b = await clientProcess({ ...common, BENCH_USER: env.watcher, BENCH_ROLE: 'watcher' }, (e) => {
    if (e.pulling !== undefined) pulls.push(e.pulling);
    if (e.title !== undefined && e.seen !== undefined) seen.set(e.title, e.seen);
    wake();
  });
  const a = await clientProcess({ ...common, BENCH_USER: env.writer, BENCH_ROLE: 'writer' }, (e) => {
    if (e.title !== undefined && e.t0 !== undefined)
      written.set(e.title, { t0: e.t0, acked: e.acked ?? Number.NaN });
    wake();
  }).catch(async (error: unknown) => {
    await b.stop();
    throw error;
  });
  const until = (done: () => boolean, ms: number) =>
    new Promise<boolean>((resolve) => {
      const timer = setTimeout(() => resolve(done()), ms);
      wake = () => {
        if (!done()) return;
        clearTimeout(timer);
        resolve(true);
      };
      wake();
    });
  const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
  let n = 0;
  return {
    async measure(cmd) {
      const out: FullSamples = { visible: [], missed: 0, acked: [], pulling: [] };
      const end = performance.now() + (cmd.forMs ?? Number.POSITIVE_INFINITY);
      for (let i = 0; i < (cmd.writes ?? Number.POSITIVE_INFINITY) && performance.now() < end; i++) {
        const title = `full-${++n}`;
        a.send({ write: title });
        const ok = await until(() => written.has(title) && seen.has(title), MISS_MS);
        const w = written.get(title);
        const at = seen.get(title);
        if (!ok || !w || at === undefined) out.missed++;
        else {
          out.visible.push(at - w.t0);
          out.acked.push(w.acked - w.t0);
          const pull = pulls.find((p) => p >= w.t0 && p <= at);
          out.pulling.push(pull === undefined ? Number.NaN : pull - w.t0);
        }
        pulls.length = 0;
        await sleep(cmd.forMs === undefined ? cmd.pauseMs : Math.random() * cmd.pauseMs);
      }
      return out;
    },
    async stop() {
      await Promise.all([a.stop(), b.stop()]);
    },
  };
}
