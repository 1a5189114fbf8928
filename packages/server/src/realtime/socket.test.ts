/**
 * The realtime socket's handshake, heartbeats and every close code, over loopback with real `ws`
 * clients against `listen()` on a real SQLite store. Timeouts are small and injected through
 * `createSyncServer({ realtime })`; the tests await messages and closes, never sleep.
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SOCKET_CLOSE } from '@syncline/core';
import { describe, expect, test } from 'vitest';
import { serveRealtime } from '../../test/realtime-server.ts';
import { openSocket, type TestSocket, wsUrl } from '../../test/socket-client.ts';
import { createJwtAuth, signDevToken } from '../auth/index.ts';
import { createSyncServer } from '../handler/index.ts';
import { attachRealtime } from '../node/websocket.ts';
import { suiteRules, suiteSchema } from '../stores/conformance/helpers.ts';
import { createSqliteStore } from '../stores/sqlite/index.ts';

const SECRET = randomBytes(32).toString('hex');
const serve = serveRealtime;

describe('realtime socket: handshake and close codes', () => {
  test('hello → welcome (protocol 3, the heartbeat); ping → pong; the server pings every heartbeat', async () => {
    const s = await serve();
    const ws = await s.socket();
    await ws.hello({
      clientId: 'c1',
      token: await s.token('alice'),
      collections: ['lists', 'tasks', 'nope'],
    });
    expect(ws.received[0]).toEqual({ type: 'welcome', protocol: 3, heartbeatMs: 200 });
    ws.send({ type: 'ping' });
    await ws.next('pong');
    const t0 = performance.now();
    await ws.next('ping');
    await ws.next('ping');
    const elapsed = performance.now() - t0;
    console.log(`two server pings in ${elapsed.toFixed(0)} ms (heartbeat 200 ms)`);
    expect(elapsed).toBeGreaterThan(250);
    expect(s.server.realtime!.stats().connections).toBe(1);
  });

  test('a client that answers pings stays open past several heartbeats', async () => {
    const s = await serve({ heartbeatMs: 50 });
    const ws = await s.socket();
    await ws.hello({ clientId: 'c1', token: await s.token('alice'), collections: ['lists'] });
    for (let i = 0; i < 10; i++) await ws.next('ping');
    expect(ws.ws.readyState).toBe(ws.ws.OPEN);
  });

  test('4426 for a protocol other than 3', async () => {
    const s = await serve();
    const ws = await s.socket();
    ws.send({ type: 'hello', protocol: 2, clientId: 'c1', token: await s.token('alice'), collections: [] });
    expect((await ws.closed).code).toBe(SOCKET_CLOSE.protocolUnsupported);
  });

  test('4401 for a forged or expired token', async () => {
    const s = await serve();
    const forged = await openSocket(wsUrl(s.listener.url));
    forged.send({ type: 'hello', protocol: 3, clientId: 'c1', token: 'not.a.jwt', collections: [] });
    expect((await forged.closed).code).toBe(SOCKET_CLOSE.unauthenticated);
    const expired = await s.socket();
    expired.send({
      type: 'hello',
      protocol: 3,
      clientId: 'c1',
      token: await s.token('alice', -10),
      collections: [],
    });
    expect((await expired.closed).code).toBe(SOCKET_CLOSE.unauthenticated);
  });

  test('4403 when the client id belongs to another user', async () => {
    const s = await serve();
    await s.store.write((tx) => tx.lockClient('c-bob', 'bob'));
    const ws = await s.socket();
    ws.send({
      type: 'hello',
      protocol: 3,
      clientId: 'c-bob',
      token: await s.token('alice'),
      collections: ['lists'],
    });
    expect((await ws.closed).code).toBe(SOCKET_CLOSE.forbidden);
    // Bob himself is welcome.
    const bob = await s.socket();
    await bob.hello({ clientId: 'c-bob', token: await s.token('bob'), collections: ['lists'] });
  });

  test('4400 for a malformed first message, a binary frame, an unknown message and a second hello', async () => {
    const s = await serve();
    const cases: Array<(ws: TestSocket) => Promise<void>> = [
      async (ws) => ws.send('{not json'),
      async (ws) => ws.send({ type: 'ping' }), // out of order: hello comes first
      async (ws) => ws.ws.send(Buffer.from([1, 2, 3]), { binary: true }),
      async (ws) => {
        await ws.hello({ clientId: 'c1', token: await s.token('alice'), collections: [] });
        ws.send({ type: 'poke', collections: [] });
      },
      async (ws) => {
        await ws.hello({ clientId: 'c1', token: await s.token('alice'), collections: [] });
        ws.send({
          type: 'hello',
          protocol: 3,
          clientId: 'c1',
          token: await s.token('alice'),
          collections: [],
        });
      },
    ];
    for (const run of cases) {
      const ws = await s.socket();
      await run(ws);
      expect((await ws.closed).code).toBe(SOCKET_CLOSE.badMessage);
    }
  });

  test('4408 when no hello comes within the handshake timeout, and on 2 × heartbeat of silence', async () => {
    const s = await serve({ heartbeatMs: 100, helloTimeoutMs: 150 });
    const mute = await s.socket();
    const t0 = performance.now();
    const noHello = await mute.closed;
    expect(noHello.code).toBe(SOCKET_CLOSE.silent);
    console.log(`no hello: closed 4408 after ${(noHello.at - t0).toFixed(0)} ms (timeout 150 ms)`);

    const silent = await s.socket();
    silent.autoPong = false;
    await silent.hello({ clientId: 'c1', token: await s.token('alice'), collections: ['lists'] });
    const t1 = performance.now();
    const closed = await silent.closed;
    expect(closed.code).toBe(SOCKET_CLOSE.silent);
    const after = closed.at - t1;
    console.log(`silent client: closed 4408 after ${after.toFixed(0)} ms (heartbeat 100 ms)`);
    expect(after).toBeGreaterThanOrEqual(190);
    expect(after).toBeLessThan(1000);
  });

  test('token expiry closes with 4401; an auth message with a fresh token re-arms the timer', async () => {
    const s = await serve({ heartbeatMs: 100 });
    const short = await s.token('alice', 1);
    const exp = JSON.parse(Buffer.from(short.split('.')[1]!, 'base64url').toString()).exp as number;
    const ws = await s.socket();
    await ws.hello({ clientId: 'c1', token: short, collections: ['lists'] });
    const closed = await ws.closed;
    expect(closed.code).toBe(SOCKET_CLOSE.unauthenticated);
    const late = Date.now() - exp * 1000;
    console.log(`token expiry: closed 4401 ${late} ms after exp`);
    expect(late).toBeGreaterThanOrEqual(0);
    expect(late).toBeLessThan(500);

    const refreshed = await s.socket();
    const short2 = await s.token('alice', 1);
    const exp2 = JSON.parse(Buffer.from(short2.split('.')[1]!, 'base64url').toString()).exp as number;
    await refreshed.hello({ clientId: 'c2', token: short2, collections: ['lists'] });
    refreshed.send({ type: 'auth', token: await s.token('alice') });
    // Heartbeats as the clock: the socket stays open well past the first token's expiry.
    while (Date.now() < exp2 * 1000 + 500) await refreshed.next('ping');
    expect(refreshed.ws.readyState).toBe(refreshed.ws.OPEN);
    // A token of another user cannot take the socket over.
    refreshed.send({ type: 'auth', token: await s.token('bob') });
    expect((await refreshed.closed).code).toBe(SOCKET_CLOSE.forbidden);
  });

  test('1001 when the server closes; metrics count sockets and pokes', async () => {
    const s = await serve();
    const ws = await s.socket();
    await ws.hello({ clientId: 'c1', token: await s.token('alice'), collections: ['lists'] });
    await s.store.write((tx) => tx.insertRecord('lists', 'l1', { ownerId: 'alice', name: 'A' }));
    expect(await ws.next('poke')).toEqual({ type: 'poke', collections: ['lists'] });
    const text = await (await fetch(`${s.listener.url}/metrics`)).text();
    expect(text).toContain('syncline_realtime_sockets 1');
    expect(text).toContain('syncline_realtime_pokes_total 1');
    await s.listener.close();
    expect((await ws.closed).code).toBe(SOCKET_CLOSE.goingAway);
  });

  test('attachRealtime serves the socket on an app’s own http server', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'syncline-ws-own-'));
    const store = createSqliteStore({ path: join(dir, 'db.sqlite'), schema: suiteSchema });
    await store.migrate();
    const sync = createSyncServer({
      schema: suiteSchema,
      rules: suiteRules,
      store,
      auth: createJwtAuth({ secret: SECRET }),
    });
    // Stands in for a framework that mounts sync.handler: the socket does not depend on it.
    const own = createServer((_req, res) => res.writeHead(200).end('app'));
    const attached = attachRealtime(own, sync)!;
    await new Promise<void>((resolve) => own.listen(0, '127.0.0.1', resolve));
    const port = (own.address() as AddressInfo).port;
    try {
      expect(attached.path).toBe('/sync/ws');
      const ws = await openSocket(`ws://127.0.0.1:${port}/sync/ws`);
      await ws.hello({
        clientId: 'c1',
        token: await signDevToken(SECRET, 'alice', '1h'),
        collections: ['lists'],
      });
      await store.write((tx) => tx.insertRecord('lists', 'l1', { ownerId: 'alice', name: 'A' }));
      expect(await ws.next('poke')).toEqual({ type: 'poke', collections: ['lists'] });
      await attached.close();
      expect((await ws.closed).code).toBe(SOCKET_CLOSE.goingAway);
    } finally {
      await new Promise<void>((resolve) => own.close(() => resolve()));
      await sync.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test('other paths are not upgraded', async () => {
    const s = await serve();
    await expect(openSocket(wsUrl(s.listener.url, '/sync/other'))).rejects.toThrow(/404/);
  });
});
