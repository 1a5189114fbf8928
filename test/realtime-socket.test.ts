/**
 * The client's realtime socket over real loopback WebSockets (the `ws` package), with push and
 * pull on a real sync server. The socket endpoint is a STAND-IN written from the wire contract
 * (`test/helpers/socket-stand-in.ts`) while the server's own `/sync/ws` is built in parallel;
 * these tests move to the real endpoint (end to end, with server-side pokes) after the merge.
 */
import { createServer, type Socket } from 'node:net';
import { join } from 'node:path';
import { createClient, createMemoryStore, type SynclineClient, type SyncStatus } from '@syncline/client';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { WebSocket } from 'ws';
import { e2eRules, e2eSchema } from './helpers/schema.ts';
import { startServer, tempDir } from './helpers/server.ts';
import { standInSocketServer } from './helpers/socket-stand-in.ts';

const HOUR = 3_600_000;
const dir = tempDir();
let srv: Awaited<ReturnType<typeof startServer>>;
const clients: Array<SynclineClient<typeof e2eSchema>> = [];

beforeAll(async () => {
  srv = await startServer({ dbPath: join(dir.path, 'server.db'), schema: e2eSchema, rules: e2eRules });
});
afterAll(async () => {
  for (const c of clients) await c.close();
  await srv?.close();
  dir.cleanup();
});

/** Resolves once `client.status` satisfies `pred` (checked now and on every status change). */
function statusIs(client: SynclineClient<typeof e2eSchema>, pred: (s: SyncStatus) => boolean): Promise<void> {
  return new Promise((resolve) => {
    if (pred(client.status)) return resolve();
    const off = client.subscribe((s) => {
      if (!pred(s)) return;
      off();
      resolve();
    });
  });
}

/** Resolves with the titles once B's live query of alice's notes shows `title`. */
function seen(client: SynclineClient<typeof e2eSchema>, title: string): Promise<string[]> {
  return new Promise((resolve) => {
    const stop = client.db.notes.watch({ where: { ownerId: 'alice' } }, (rows) => {
      if (!rows.some((r) => r.title === title)) return;
      stop();
      resolve(rows.map((r) => r.title));
    });
  });
}

async function writer(token: string) {
  const a = createClient({
    schema: e2eSchema,
    url: srv.url,
    store: createMemoryStore(),
    auth: { getToken: () => token },
    realtime: false,
  });
  clients.push(a);
  await a.ready();
  return a;
}

function listener(token: () => string, socketUrl: string) {
  const b = createClient({
    schema: e2eSchema,
    url: srv.url,
    store: createMemoryStore(),
    auth: { getToken: token },
    pollIntervalMs: HOUR, // nothing arrives by poll within a test
    realtime: { url: socketUrl, WebSocket },
  });
  clients.push(b);
  return b;
}

test('a poke makes the client pull at once; a cut socket reconnects and pulls what it missed', async () => {
  const stand = await standInSocketServer();
  try {
    const token = await srv.token('alice');
    const a = await writer(token);
    const b = listener(() => token, stand.url);
    await b.start();
    await statusIs(b, (s) => s.realtime && s.connected && s.lastSyncedAt !== null && s.phase === 'idle');
    expect(stand.hellos).toHaveLength(1);
    expect(stand.hellos[0]).toMatchObject({ token, collections: ['notes', 'cards', 'counters'] });

    await a.db.notes.insert({ ownerId: 'alice', title: 'first' });
    await a.sync();
    const gotFirst = seen(b, 'first');
    const started = performance.now();
    expect(stand.poke(['notes'])).toBe(1);
    expect(await gotFirst).toEqual(['first']);
    const ms = performance.now() - started;
    expect(ms).toBeLessThan(1000);

    // Cut the link (no close handshake): B reconnects with backoff and pulls on the welcome,
    // so a change made while it was away arrives without any poke.
    stand.cut();
    await statusIs(b, (s) => !s.realtime);
    await a.db.notes.insert({ ownerId: 'alice', title: 'while away' });
    await a.sync();
    const gotSecond = seen(b, 'while away');
    await statusIs(b, (s) => s.realtime);
    expect((await gotSecond).sort()).toEqual(['first', 'while away']);
    expect(stand.hellos).toHaveLength(2);

    // stop() closes the socket on the server's side too.
    await b.stop();
    expect(b.status.realtime).toBe(false);
    await expect.poll(() => stand.connections.length).toBe(0);
  } finally {
    await stand.close();
  }
});

test('4401 on hello: the client refreshes its token and is welcomed on the next attempt', async () => {
  const token = await srv.token('alice');
  let hellos = 0;
  const stand = await standInSocketServer({ verify: () => (hellos++ === 0 ? 4401 : true) });
  try {
    const asked: boolean[] = [];
    const refreshing = createClient({
      schema: e2eSchema,
      url: srv.url,
      store: createMemoryStore(),
      auth: {
        getToken: ({ forceRefresh }) => {
          asked.push(forceRefresh);
          return token;
        },
      },
      pollIntervalMs: HOUR,
      realtime: { url: stand.url, WebSocket },
    });
    clients.push(refreshing);
    await refreshing.start();
    await statusIs(refreshing, (s) => s.realtime);
    expect(stand.hellos).toHaveLength(2);
    expect(asked).toContain(true);
    await refreshing.stop();
  } finally {
    await stand.close();
  }
});

test('stop() while the upgrade is still pending closes the socket without an uncaught error (ws emits one)', async () => {
  // A TCP server that accepts and never answers: the upgrade hangs, the socket stays CONNECTING.
  const held = new Set<Socket>();
  const tcp = createServer((s) => held.add(s));
  const got = new Promise<void>((resolve) => tcp.once('connection', () => resolve()));
  await new Promise<void>((resolve) => tcp.listen(0, '127.0.0.1', resolve));
  try {
    const { port } = tcp.address() as { port: number };
    const b = listener(() => 'token', `ws://127.0.0.1:${port}/sync/ws`);
    await b.start();
    await got;
    await b.stop();
    // ws reports the aborted handshake on the next tick: let it happen inside this test.
    for (let i = 0; i < 20; i++) await new Promise<void>((r) => setImmediate(r));
    expect(b.status.realtime).toBe(false);
  } finally {
    for (const s of held) s.destroy();
    await new Promise<void>((resolve) => tcp.close(() => resolve()));
  }
});
