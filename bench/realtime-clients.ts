/**
 * One full Syncline client of the realtime benchmark (issue 11, done-when 5), in its own process:
 * a real client of the server at BENCH_URL as user BENCH_USER, on its own better-sqlite3 file and
 * the Node transport (`@syncline/client/node`; BENCH_TRANSPORT=fetch for the default `fetch` one),
 * realtime on, push debounce 0 and the poll an hour away (so only a poke can bring a change).
 * `realtime-full.ts` runs two of them, A (BENCH_ROLE=writer) and B (watcher), members of list
 * BENCH_LIST, so that neither one's sync work waits on the other's event loop, as on two devices.
 * Times are `process.hrtime` in ms: the system's monotonic clock, the same in every process.
 *
 * Prints `{"ready":true}` once the client is live, then one JSON line per event:
 * - writer: reads `{"write": title}` lines on stdin; for each prints `{ title, t0, acked }`: t0
 *   just before its `insert()` call, acked when the push it triggered ended (its answer applied);
 * - watcher: keeps one live query of the list's tasks; prints `{ title, seen }` the first time a
 *   `watch` callback holds a task, and `{ pulling }` whenever a pull begins.
 * Exits when stdin closes.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import {
  createClient,
  fetchTransport,
  type LocalStore,
  type SynclineClient,
  type SyncStatus,
  type Transport,
} from '@syncline/client';
import { nodeTransport } from '@syncline/client/node';
import { signDevToken } from '@syncline/server';
import { createSqliteLocalStore } from '@syncline/store-sqlite';
import { WebSocket } from 'ws';
import { rtSchema } from './realtime-schema.ts';
import { mark, traceTo, tracing } from './trace.ts';

const base = process.env.BENCH_URL;
const secret = process.env.BENCH_SECRET;
const user = process.env.BENCH_USER;
if (!base || !secret || !user) throw new Error('BENCH_URL, BENCH_SECRET and BENCH_USER are required.');
const role = process.env.BENCH_ROLE === 'watcher' ? 'watcher' : 'writer';
const list = process.env.BENCH_LIST ?? 'l0';
const HOUR = 3_600_000;

const now = () => Number(process.hrtime.bigint()) / 1e6;
const say = (event: object) => process.stdout.write(`${JSON.stringify(event)}\n`);
function statusIs(c: SynclineClient<typeof rtSchema>, pred: (s: SyncStatus) => boolean): Promise<void> {
  return new Promise((resolve) => {
    if (pred(c.status)) return resolve();
    const off = c.subscribe((s) => {
      if (!pred(s)) return;
      off();
      resolve();
    });
  });
}

/** BENCH_TRACE_DIR: the store's transactions, the requests and the socket's messages, marked. */
function tracedStore(inner: LocalStore): LocalStore {
  return new Proxy(inner, {
    get(target, key, receiver) {
      const v = Reflect.get(target, key, receiver) as unknown;
      if ((key !== 'read' && key !== 'write') || typeof v !== 'function') return v;
      return async (fn: (tx: unknown) => Promise<unknown>) => {
        mark(`${key}-begin`);
        const out = await (v as (f: typeof fn) => Promise<unknown>).call(target, async (tx) => {
          mark(`${key}-in`);
          const r = await fn(tx);
          mark(`${key}-fn-end`);
          return r;
        });
        mark(`${key}-end`);
        return out;
      };
    },
  });
}
/** BENCH_TRANSPORT=fetch: the default `fetch` transport; else the Node one (decision 0034). */
function transportOf(url: string): Transport {
  return process.env.BENCH_TRANSPORT === 'fetch' ? fetchTransport(url) : nodeTransport(url);
}
function tracedTransport(inner: Transport): Transport {
  return {
    async request(path, init) {
      mark(`fetch${path}`);
      const res = await inner.request(path, init);
      mark(`body${path}`);
      return res;
    },
  };
}
class TracedSocket extends WebSocket {
  constructor(url: string) {
    super(url);
    this.on('message', () => mark('ws-message'));
  }
}

const dir = mkdtempSync(join(tmpdir(), 'syncline-bench-rt-client-'));
const token = await signDevToken(secret, user, 4 * 3600);
traceTo(role);
const store = createSqliteLocalStore({ path: join(dir, 'client.db') });
const client = createClient({
  schema: rtSchema,
  url: `${base}/sync`,
  store: tracing ? tracedStore(store) : store,
  transport: tracing ? tracedTransport(transportOf(`${base}/sync`)) : transportOf(`${base}/sync`),
  auth: { getToken: () => token },
  pollIntervalMs: HOUR,
  pushDebounceMs: 0,
  realtime: { WebSocket: tracing ? TracedSocket : WebSocket },
});
client.on('error', (e) => console.error(`client ${user}:`, e));
try {
  await client.start();
  await statusIs(client, (s) => s.realtime && s.phase === 'idle' && s.lastSyncedAt !== null);
  const input = createInterface({ input: process.stdin });
  if (role === 'watcher') {
    const known = new Set<string>();
    let first = true;
    let phase = client.status.phase;
    client.subscribe((s) => {
      if (s.phase === 'pulling' && phase !== 'pulling') say({ pulling: now() });
      phase = s.phase;
    });
    const ready = new Promise<void>((resolve) => {
      client.db.tasks.watch({ where: { listId: list } }, (rows) => {
        const at = now();
        mark('watch');
        for (const row of rows) {
          if (known.has(row.title)) continue;
          known.add(row.title);
          if (!first) say({ title: row.title, seen: at });
        }
        first = false;
        resolve();
      });
    });
    await ready;
    say({ ready: true });
    for await (const _ of input); // until stdin closes
  } else {
    // The push's end: the loop's phase leaves 'pushing' (for the pull of the same cycle).
    let pushedAt: number | null = null;
    let pushed = () => {};
    let phase = client.status.phase;
    client.subscribe((s) => {
      if (phase === 'pushing' && s.phase !== 'pushing') {
        pushedAt = now();
        pushed();
      }
      phase = s.phase;
    });
    say({ ready: true });
    for await (const line of input) {
      if (!line.trim()) continue;
      const { write: title } = JSON.parse(line) as { write: string };
      pushedAt = null;
      let timer: NodeJS.Timeout | undefined;
      const done = new Promise<void>((resolve) => {
        pushed = resolve;
        timer = setTimeout(resolve, 5000);
      });
      const t0 = now();
      mark('insert');
      await client.db.tasks.insert({ listId: list, title });
      await done;
      clearTimeout(timer);
      say({ title, t0, acked: pushedAt ?? Number.NaN });
    }
  }
} finally {
  await client.close();
  rmSync(dir, { recursive: true, force: true });
}
