/**
 * Realtime benchmark (issue 11, done-when 5): the sync server in a child process
 * (`realtime-server.ts`), protocol-level clients in this process (real `ws` sockets and HTTP
 * pulls, no client library), and two full Syncline clients, each in a process of its own
 * (`realtime-full.ts`: A writes, B's `watch` sees it; users u0 and u1, both members of list l0).
 *
 * 1. one socket: write → poke latency (a push through HTTP by the writer `w`, to the poke on the
 *    reader's socket), and write → visible (until the reader's pull answer holds the row);
 *    then the full clients alone: BENCH_FULL_WRITES (50) sequential inserts by A, each timed
 *    from just before A's `insert()` to B's `watch` callback;
 * 2. BENCH_LISTS × BENCH_LIST_SIZE clients (default 100 × 10 = 1,000): every member a socket
 *    pulling on each poke (coalesced), except u0 and u1 which are the full clients, one write per
 *    BENCH_WRITE_EVERY_MS (100) to a random list for BENCH_SECONDS (10): poke and visible latency
 *    at each of the list's members, and meanwhile A's writes → B's `watch` as in 1;
 * 3. BENCH_IDLE (10,000) idle sockets: server heap and RSS after GC, per socket.
 *
 * Store: SQLite by default; PostgreSQL with DATABASE_URL (a fresh pg schema, dropped afterwards).
 * Run: `npm run bench:realtime` (add DATABASE_URL=postgres://… for PostgreSQL).
 */
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { PROTOCOL_VERSION } from '@syncline/core';
import { signDevToken } from '@syncline/server';
import pg from 'pg';
import { WebSocket } from 'ws';
import { startFullClients } from './realtime-full.ts';

const lists = Number(process.env.BENCH_LISTS ?? 100);
const size = Number(process.env.BENCH_LIST_SIZE ?? 10);
const seconds = Number(process.env.BENCH_SECONDS ?? 10);
const writeEvery = Number(process.env.BENCH_WRITE_EVERY_MS ?? 100);
const idle = Number(process.env.BENCH_IDLE ?? 10_000);
const fullWrites = Number(process.env.BENCH_FULL_WRITES ?? 50);
if (size < 2) throw new Error('BENCH_LIST_SIZE must be at least 2: the full clients are two members of l0.');
const dbUrl = process.env.DATABASE_URL;
const secret = randomBytes(32).toString('hex');
const pgSchema = `bench_rt_${randomBytes(4).toString('hex')}`;
const dir = mkdtempSync(join(os.tmpdir(), 'syncline-bench-rt-'));

const child = spawn(
  process.execPath,
  [
    '--expose-gc',
    ...(process.env.BENCH_CPU_PROF ? ['--cpu-prof', `--cpu-prof-dir=${process.env.BENCH_CPU_PROF}`] : []),
    '--conditions=@syncline/source',
    '--import',
    'tsx',
    new URL('./realtime-server.ts', import.meta.url).pathname,
  ],
  {
    env: {
      ...process.env,
      BENCH_SECRET: secret,
      BENCH_LISTS: String(lists),
      BENCH_LIST_SIZE: String(size),
      ...(dbUrl
        ? { BENCH_DB_URL: dbUrl, BENCH_PG_SCHEMA: pgSchema }
        : { BENCH_SQLITE: join(dir, 'db.sqlite') }),
    },
    // The server exits when its stdin closes, so it never outlives this process.
    stdio: ['pipe', 'pipe', 'inherit'],
  },
);

const pct = (xs: number[], p: number) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length === 0 ? Number.NaN : s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))]!;
};
const ms = (x: number) => `${x.toFixed(1)} ms`;
/** Where a full-client write's time goes (p50s from just before A's insert). */
const steps = (f: { acked: number[]; pulling: number[]; visible: number[] }) => {
  const p50 = (xs: number[]) => ms(pct(xs.filter(Number.isFinite), 50));
  return `A's push ended ${p50(f.acked)}, B's pull began ${p50(f.pulling)}, B's watch ${p50(f.visible)}`;
};

try {
  const base = await new Promise<string>((resolve, reject) => {
    child.once('exit', (code) => reject(new Error(`server exited with ${code}`)));
    createInterface({ input: child.stdout! }).once('line', (line) =>
      resolve((JSON.parse(line) as { url: string }).url),
    );
  });
  const wsUrl = `${base.replace(/^http/, 'ws')}/sync/ws`;
  const tokens = new Map<string, string>();
  const token = async (user: string) => {
    const known = tokens.get(user);
    if (known) return known;
    const fresh = await signDevToken(secret, user, 3600);
    tokens.set(user, fresh);
    return fresh;
  };
  const post = async (path: string, user: string, body: object) => {
    const res = await fetch(`${base}/sync${path}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${await token(user)}` },
      body: JSON.stringify({ protocol: PROTOCOL_VERSION, ...body }),
    });
    if (res.status !== 200) throw new Error(`${path} answered ${res.status}: ${await res.text()}`);
    return (await res.json()) as Record<string, unknown>;
  };

  /** A protocol-level client: a socket, and a pull of `tasks` on every poke (coalesced). */
  interface Reader {
    user: string;
    ws: WebSocket;
    cursor: string | null;
    onPoke?: (at: number) => void;
    onRows?: (ids: string[], at: number) => void;
  }
  const readers: Reader[] = [];
  async function reader(user: string, pullOnPoke: boolean): Promise<Reader> {
    const ws = new WebSocket(wsUrl, { perMessageDeflate: false });
    const r: Reader = { user, ws, cursor: null };
    let pulling = false;
    let again = false;
    const pull = async () => {
      if (pulling) {
        again = true;
        return;
      }
      pulling = true;
      try {
        do {
          again = false;
          const answer = (await post('/pull', user, {
            clientId: `c-${user}-${readers.length}`,
            collections: { tasks: { cursor: r.cursor } },
          })) as {
            collections: { tasks: { changes: Array<{ id: string }>; cursor: string; hasMore: boolean } };
          };
          const got = answer.collections.tasks;
          r.cursor = got.cursor;
          if (got.changes.length > 0)
            r.onRows?.(
              got.changes.map((c) => c.id),
              performance.now(),
            );
          if (got.hasMore) again = true;
        } while (again);
      } finally {
        pulling = false;
      }
    };
    await new Promise<void>((resolve, reject) => {
      ws.once('error', reject);
      ws.once('open', () => {
        ws.send(
          JSON.stringify({
            type: 'hello',
            protocol: PROTOCOL_VERSION,
            clientId: `c-${user}-${readers.length}`,
            token: tokens.get(user),
            collections: ['tasks'],
          }),
        );
      });
      ws.on('message', (data) => {
        const msg = JSON.parse(data.toString()) as { type: string };
        if (msg.type === 'welcome') resolve();
        else if (msg.type === 'ping') ws.send('{"type":"pong"}');
        else if (msg.type === 'poke') {
          r.onPoke?.(performance.now());
          if (pullOnPoke) void pull().catch((e) => console.error('pull failed', e));
        }
      });
    });
    if (pullOnPoke) await pull();
    readers.push(r);
    return r;
  }

  let n = 0;
  const write = async (list: string) => {
    const id = `t${++n}`;
    const t0 = performance.now();
    // One client id per write: writes overlap under load, and one client's pushes must not.
    await post('/push', 'w', {
      clientId: `c-writer-${n}`,
      mutations: [{ seq: 1, collection: 'tasks', id, op: 'insert', data: { listId: list, title: 'x' } }],
    });
    return { id, t0, acked: performance.now() };
  };
  await token('w');

  // 1. One socket.
  await token('u0');
  const one = await reader('u0', true);
  const single = { poke: [] as number[], visible: [] as number[], ack: [] as number[] };
  for (let i = 0; i < 50; i++) {
    let id = '';
    const poked = new Promise<number>((resolve) => (one.onPoke = resolve));
    const seen = new Promise<number>((resolve) => {
      one.onRows = (ids, at) => {
        if (ids.includes(id)) resolve(at);
      };
    });
    const w = write('l0');
    id = `t${n}`; // write() numbered it synchronously
    const [{ t0: start, acked }, pokeAt, seenAt] = await Promise.all([w, poked, seen]);
    single.poke.push(pokeAt - start);
    single.visible.push(seenAt - start);
    single.ack.push(acked - start);
  }
  one.ws.terminate();
  readers.length = 0;

  // 1b. The full clients alone: A (u0) writes to l0, B (u1) watches it.
  const full = await startFullClients({ url: base, secret, writer: 'u0', watcher: 'u1', list: 'l0' });
  const fullOne = await full.measure({ writes: fullWrites, pauseMs: 20 });

  // 2. lists × size clients: the full clients u0 and u1 stay; every other member is a socket
  // pulling on every poke.
  const fullUsers = 2;
  const socketUsers = Array.from({ length: lists * size }, (_, u) => u).slice(fullUsers);
  for (const u of socketUsers) await token(`u${u}`);
  const all = await Promise.all(socketUsers.map(async (u) => [u, await reader(`u${u}`, true)] as const));
  const load = { poke: [] as number[], visible: [] as number[] };
  const pending = new Map<string, { t0: number; list: number }>();
  for (const [u, r] of all) {
    const l = Math.floor(u / size);
    r.onRows = (ids, at) => {
      for (const id of ids) {
        const p = pending.get(id);
        if (p && p.list === l) load.visible.push(at - p.t0);
      }
    };
  }
  const lastWriteAt = new Map<number, number>();
  for (const [u, r] of all) {
    const l = Math.floor(u / size);
    // A's writes poke l0 too, and a poke names no write: l0's pokes are not timed.
    if (l === 0) continue;
    r.onPoke = (at) => {
      const t = lastWriteAt.get(l);
      if (t !== undefined) load.poke.push(at - t);
    };
  }
  const writes: Array<Promise<unknown>> = [];
  const failures: unknown[] = [];
  const end = performance.now() + seconds * 1000;
  // A writes and B watches while the load runs, each write after the previous one is seen.
  const fullLoad = full.measure({ forMs: seconds * 1000, pauseMs: writeEvery });
  let i = 0;
  while (performance.now() < end) {
    const list = Math.floor(Math.random() * lists);
    const id = `t${n + 1}`;
    const t0 = performance.now();
    pending.set(id, { t0, list });
    lastWriteAt.set(list, t0);
    writes.push(
      write(`l${list}`).catch((e: unknown) => {
        failures.push(e);
      }),
    );
    i++;
    const next = t0 + writeEvery;
    await new Promise((resolve) => setTimeout(resolve, Math.max(0, next - performance.now())));
  }
  await Promise.all(writes);
  if (failures.length > 0) throw new Error(`${failures.length} writes failed, e.g. ${String(failures[0])}`);
  const fullUnderLoad = await fullLoad;
  await new Promise((resolve) => setTimeout(resolve, 1000)); // let the last pulls land
  for (const [, r] of all) r.ws.terminate();
  await full.stop();

  // 3. Idle sockets, opened from this process (the server is another process).
  const memory = async () =>
    (await (await fetch(`${base}/bench/memory`)).json()) as {
      heapUsed: number;
      rss: number;
      sockets: number;
      gc: boolean;
    };
  await new Promise((resolve) => setTimeout(resolve, 500));
  const before = await memory();
  const idleSockets: WebSocket[] = [];
  const idleUsers = 100;
  for (let u = 0; u < idleUsers; u++) await token(`u${u}`);
  for (let k = 0; k < idle; k += 500) {
    await Promise.all(
      Array.from({ length: Math.min(500, idle - k) }, async (_, j) => {
        const user = `u${(k + j) % idleUsers}`;
        const ws = new WebSocket(wsUrl, { perMessageDeflate: false });
        idleSockets.push(ws);
        await new Promise<void>((resolve, reject) => {
          ws.once('error', reject);
          ws.once('open', () =>
            ws.send(
              JSON.stringify({
                type: 'hello',
                protocol: PROTOCOL_VERSION,
                clientId: `idle-${k + j}`,
                token: tokens.get(user),
                collections: ['tasks'],
              }),
            ),
          );
          ws.on('message', (data) => {
            const msg = JSON.parse(data.toString()) as { type: string };
            if (msg.type === 'welcome') resolve();
            else if (msg.type === 'ping') ws.send('{"type":"pong"}');
          });
        });
      }),
    );
  }
  const after = await memory();
  for (const ws of idleSockets) ws.terminate();

  const report = {
    store: dbUrl ? 'postgres' : 'sqlite',
    machine: {
      nproc: os.availableParallelism(),
      cpu: os.cpus()[0]?.model ?? 'unknown',
      node: process.version,
      load: os
        .loadavg()
        .map((x) => x.toFixed(1))
        .join(' '),
    },
    oneSocket: {
      writes: single.poke.length,
      pushAck: `p50 ${ms(pct(single.ack, 50))}`,
      poke: `p50 ${ms(pct(single.poke, 50))} / p99 ${ms(pct(single.poke, 99))}`,
      visible: `p50 ${ms(pct(single.visible, 50))} / p99 ${ms(pct(single.visible, 99))}`,
    },
    full: {
      how: "full clients (SQLite local stores, push debounce 0, poll 1 h): A's insert() → B's watch callback",
      one: {
        writes: fullOne.visible.length + fullOne.missed,
        missed: fullOne.missed,
        visible: `p50 ${ms(pct(fullOne.visible, 50))} / p99 ${ms(pct(fullOne.visible, 99))}`,
        steps: steps(fullOne),
      },
      load: {
        clients: socketUsers.length + fullUsers,
        writes: fullUnderLoad.visible.length + fullUnderLoad.missed,
        missed: fullUnderLoad.missed,
        visible: `p50 ${ms(pct(fullUnderLoad.visible, 50))} / p99 ${ms(pct(fullUnderLoad.visible, 99))}`,
        steps: steps(fullUnderLoad),
      },
    },
    load: {
      sockets: socketUsers.length,
      clients: socketUsers.length + fullUsers,
      writes: i,
      pokesMeasured: load.poke.length,
      poke: `p50 ${ms(pct(load.poke, 50))} / p99 ${ms(pct(load.poke, 99))}`,
      visibleMeasured: load.visible.length,
      visible: `p50 ${ms(pct(load.visible, 50))} / p99 ${ms(pct(load.visible, 99))}`,
    },
    idle: {
      sockets: after.sockets,
      gc: after.gc,
      heapPerSocketBytes: Math.round((after.heapUsed - before.heapUsed) / idle),
      rssPerSocketBytes: Math.round((after.rss - before.rss) / idle),
    },
  };
  console.log(JSON.stringify(report, null, 2));
} finally {
  child.kill('SIGTERM');
  await new Promise((resolve) => child.once('exit', resolve));
  rmSync(dir, { recursive: true, force: true });
  if (dbUrl) {
    const admin = new pg.Client({ connectionString: dbUrl });
    await admin.connect();
    await admin.query(`DROP SCHEMA IF EXISTS ${pgSchema} CASCADE`);
    await admin.end();
  }
}
