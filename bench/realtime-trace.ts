/**
 * Where a full-client write's time goes (issue 11, done-when 5): the realtime server and the two
 * full clients of `realtime-full.ts` (A writes to l0, B watches it), all with BENCH_TRACE_DIR set
 * (`trace.ts`), BENCH_FULL_WRITES (60) sequential writes; then, per write, the time of each step
 * of the chain from A's `insert()`, as p50 (and p90) over the writes. Wall times are inflated on a
 * shared machine; the steps say which part of the chain costs what.
 *
 * Run: `npx tsx --conditions=@syncline/source bench/realtime-trace.ts`
 */
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { startFullClients } from './realtime-full.ts';

const writes = Number(process.env.BENCH_FULL_WRITES ?? 60);
const secret = randomBytes(32).toString('hex');
const dir = mkdtempSync(join(os.tmpdir(), 'syncline-bench-rt-trace-'));
const traceDir = join(dir, 'trace');
await import('node:fs').then((fs) => fs.mkdirSync(traceDir));
process.env.BENCH_TRACE_DIR = traceDir;

const child = spawn(
  process.execPath,
  [
    '--conditions=@syncline/source',
    '--import',
    'tsx',
    new URL('./realtime-server.ts', import.meta.url).pathname,
  ],
  {
    env: {
      ...process.env,
      BENCH_SECRET: secret,
      BENCH_LISTS: '1',
      BENCH_LIST_SIZE: '2',
      BENCH_SQLITE: join(dir, 'db.sqlite'),
    },
    stdio: ['pipe', 'pipe', 'inherit'],
  },
);
const serverGone = new Promise((resolve) => child.once('exit', resolve));
try {
  const base = await new Promise<string>((resolve, reject) => {
    child.once('exit', (code) => reject(new Error(`server exited with ${code}`)));
    createInterface({ input: child.stdout! }).once('line', (line) =>
      resolve((JSON.parse(line) as { url: string }).url),
    );
  });
  const full = await startFullClients({ url: base, secret, writer: 'u0', watcher: 'u1', list: 'l0' });
  const samples = await full.measure({ writes, pauseMs: 20 });
  await full.stop();
  child.stdin!.end();
  await serverGone;
  const load = (tag: string) => {
    const f = readdirSync(traceDir).find((n) => n.startsWith(`${tag}-`));
    return f ? (JSON.parse(readFileSync(join(traceDir, f), 'utf8')) as Array<[string, number]>) : [];
  };
  const marks = { A: load('writer'), S: load('server'), B: load('watcher') };
  const inserts = marks.A.filter(([n]) => n === 'insert').map(([, t]) => t);
  const rows = new Map<string, number[]>();
  const order: string[] = [];
  inserts.forEach((t0, i) => {
    const end = inserts[i + 1] ?? Number.POSITIVE_INFINITY;
    let at = t0;
    /** The first mark `name` of process `p` at or after the last step found (or after `from`). */
    const step = (label: string, p: keyof typeof marks, name: string, from = at) => {
      const hit = marks[p].find(([n, t]) => n === name && t >= from && t < end);
      if (!hit) return Number.NaN;
      if (!rows.has(label)) {
        rows.set(label, []);
        order.push(label);
      }
      rows.get(label)!.push(hit[1] - t0);
      at = hit[1];
      return hit[1];
    };
    step('A insert committed', 'A', 'write-end');
    step('A push fetch()', 'A', 'fetch/push');
    step('S push received', 'S', 'req/push:u0');
    const fnEnd = step('S push tx fn done', 'S', 'write-fn-end');
    const poked = step('S first poke sent', 'S', 'ws-send');
    at = fnEnd;
    step('S push committed', 'S', 'write-end');
    step('S push answered', 'S', 'res/push:u0');
    step('A push headers', 'A', 'headers/push');
    step('A push body', 'A', 'body/push');
    step('A push applied', 'A', 'write-end');
    at = poked;
    step('B poke heard', 'B', 'ws-message');
    step('B pull fetch()', 'B', 'fetch/pull');
    step('S pull received', 'S', 'req/pull:u1');
    step('S pull answered', 'S', 'res/pull:u1');
    step('B pull headers', 'B', 'headers/pull');
    step('B pull body', 'B', 'body/pull');
    step('B pull applied', 'B', 'write-end');
    step('B watch', 'B', 'watch');
  });
  if (process.env.BENCH_TRACE_SHOW) {
    const i = Number(process.env.BENCH_TRACE_SHOW);
    const t0 = inserts[i]!;
    const t1 = inserts[i + 1] ?? t0 + 100;
    const all = (Object.keys(marks) as Array<keyof typeof marks>).flatMap((p) =>
      marks[p].filter(([, t]) => t >= t0 && t < t1).map(([n, t]) => [t - t0, p, n] as const),
    );
    for (const [t, p, n] of all.sort((x, y) => x[0] - y[0]))
      console.log(`${t.toFixed(2).padStart(7)} ${p} ${n}`);
  }
  const pct = (xs: number[], p: number) => {
    const s = [...xs].sort((a, b) => a - b);
    return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))] ?? Number.NaN;
  };
  console.log(
    `${inserts.length} writes, ${samples.missed} missed; ms from A's insert() (p50 / p90; Δp50 from the step before)`,
  );
  let prev = 0;
  for (const label of order) {
    const xs = rows.get(label)!;
    const p50 = pct(xs, 50);
    console.log(
      `${label.padEnd(22)} ${p50.toFixed(2).padStart(6)} / ${pct(xs, 90).toFixed(2).padStart(6)}   Δ ${(p50 - prev).toFixed(2)}  (n=${xs.length})`,
    );
    prev = p50;
  }
  console.log(
    `visible (bench)        ${pct(samples.visible, 50).toFixed(2)} / p99 ${pct(samples.visible, 99).toFixed(2)}`,
  );
} finally {
  child.stdin!.end();
  await serverGone;
  rmSync(dir, { recursive: true, force: true });
}
