/**
 * The full-client process of the realtime benchmark (issue 11, done-when 5): two real Syncline
 * clients of the server at BENCH_URL, each on its own better-sqlite3 file, realtime on, push
 * debounce 0 and the poll an hour away (so only a poke can bring a change). A (user BENCH_WRITER)
 * inserts tasks into list BENCH_LIST; B (user BENCH_WATCHER, a member of the same list) keeps one
 * live query of that list's tasks open. Each sample is the time from just before A's `insert()`
 * call to the first callback of B's `watch` holding the row: write → visible, end to end.
 *
 * Prints `{"ready":true}` once both clients are live. Then reads commands, one JSON line each, on
 * stdin, and answers each with one JSON line `{ "visible": [ms…], "missed": n, "acked": [ms…],
 * "pulling": [ms…] }` (the last two from the clients' status, per write seen: A's outbox empty
 * again, and B's first pull begun, both from just before the insert; NaN if not observed):
 * - `{ "writes": n, "pauseMs": p }`: n sequential writes, each after the previous one is seen and
 *   both clients are idle again, with p ms between;
 * - `{ "forMs": t, "pauseMs": p }`: the same, for t ms, with a random pause in [0, p) between (so
 *   the writes do not lock step with a load writing every p ms).
 * A write B has not seen in BENCH_MISS_MS (5,000) counts as missed. Exits when stdin closes.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { createClient, type SynclineClient, type SyncStatus } from '@syncline/client';
import { signDevToken } from '@syncline/server';
import { createSqliteLocalStore } from '@syncline/store-sqlite';
import { WebSocket } from 'ws';
import { rtSchema } from './realtime-schema.ts';

const base = process.env.BENCH_URL;
const secret = process.env.BENCH_SECRET;
if (!base || !secret) throw new Error('BENCH_URL and BENCH_SECRET are required.');
const writer = process.env.BENCH_WRITER ?? 'u0';
const watcher = process.env.BENCH_WATCHER ?? 'u1';
const list = process.env.BENCH_LIST ?? 'l0';
const missMs = Number(process.env.BENCH_MISS_MS ?? 5000);
const HOUR = 3_600_000;

type Client = SynclineClient<typeof rtSchema>;
const dir = mkdtempSync(join(tmpdir(), 'syncline-bench-rt-clients-'));
const clients: Client[] = [];

async function client(user: string): Promise<Client> {
  const token = await signDevToken(secret!, user, 4 * 3600);
  const c = createClient({
    schema: rtSchema,
    url: `${base}/sync`,
    store: createSqliteLocalStore({ path: join(dir, `${user}.db`) }),
    auth: { getToken: () => token },
    pollIntervalMs: HOUR,
    pushDebounceMs: 0,
    realtime: { WebSocket },
  });
  clients.push(c);
  c.on('error', (e) => console.error(`client ${user}:`, e));
  await c.start();
  await statusIs(c, (s) => s.realtime && s.phase === 'idle' && s.lastSyncedAt !== null);
  return c;
}

function statusIs(c: Client, pred: (s: SyncStatus) => boolean): Promise<void> {
  return new Promise((resolve) => {
    if (pred(c.status)) return resolve();
    const off = c.subscribe((s) => {
      if (!pred(s)) return;
      off();
      resolve();
    });
  });
}
const idle = (c: Client) => statusIs(c, (s) => s.phase === 'idle' && s.pending === 0);
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

try {
  const a = await client(writer);
  const b = await client(watcher);
  // B's one live query: each callback settles the writes it holds for the first time.
  const waiting = new Map<string, (at: number) => void>();
  const stopWatch = b.db.tasks.watch({ where: { listId: list } }, (rows) => {
    const at = performance.now();
    if (waiting.size === 0) return;
    for (const row of rows) {
      const done = waiting.get(row.title);
      if (done) {
        waiting.delete(row.title);
        done(at);
      }
    }
  });
  // Status marks of the write in flight: A's push acknowledged, B's first pull started.
  let ackedAt: number | null = null;
  let pullingAt: number | null = null;
  let marking = false;
  a.subscribe((s) => {
    if (marking && ackedAt === null && s.pending === 0) ackedAt = performance.now();
  });
  b.subscribe((s) => {
    if (marking && pullingAt === null && s.phase === 'pulling') pullingAt = performance.now();
  });
  let n = 0;
  /** One write by A; its write → B's watch delay in ms, or null if not seen in `missMs`. */
  const once = async (): Promise<{ visible: number; acked: number; pulling: number } | null> => {
    const title = `full-${process.pid}-${++n}`;
    let timer: NodeJS.Timeout | undefined;
    const seen = new Promise<number | null>((resolve) => {
      waiting.set(title, resolve);
      timer = setTimeout(() => {
        waiting.delete(title);
        resolve(null);
      }, missMs);
    });
    ackedAt = null;
    pullingAt = null;
    marking = true;
    const t0 = performance.now();
    await a.db.tasks.insert({ listId: list, title });
    const at = await seen;
    marking = false;
    clearTimeout(timer);
    if (at === null) return null;
    const mark = (x: number | null) => (x === null ? Number.NaN : x - t0);
    return { visible: at - t0, acked: mark(ackedAt), pulling: mark(pullingAt) };
  };
  console.log(JSON.stringify({ ready: true }));

  for await (const line of createInterface({ input: process.stdin })) {
    if (!line.trim()) continue;
    const cmd = JSON.parse(line) as { writes?: number; forMs?: number; pauseMs?: number };
    const pause = cmd.pauseMs ?? 0;
    const visible: number[] = [];
    const acked: number[] = [];
    const pulling: number[] = [];
    let missed = 0;
    const end = performance.now() + (cmd.forMs ?? Number.POSITIVE_INFINITY);
    for (let i = 0; i < (cmd.writes ?? Number.POSITIVE_INFINITY) && performance.now() < end; i++) {
      const ms = await once();
      if (ms === null) missed++;
      else {
        visible.push(ms.visible);
        acked.push(ms.acked);
        pulling.push(ms.pulling);
      }
      await Promise.all([idle(a), idle(b)]);
      await sleep(cmd.forMs === undefined ? pause : Math.random() * pause);
    }
    console.log(JSON.stringify({ visible, missed, acked, pulling }));
  }
  stopWatch();
} finally {
  for (const c of clients) await c.close();
  rmSync(dir, { recursive: true, force: true });
}
