/**
 * The realtime socket's limits over loopback with real `ws` clients against `listen()` on a real
 * SQLite store (docs/security.md, WebSocket): the handshake deadline when the token check hangs,
 * the message-rate limit (4429 with a retry hint), the frame size limit (1009) and the send-buffer
 * cap for a client that stops reading (its TCP socket paused).
 */
import type { Socket } from 'node:net';
import { defineSchema, SOCKET_CLOSE, socketRetryAfterMs, t } from '@syncline/core';
import { describe, expect, test } from 'vitest';
import { serveRealtime } from '../../test/realtime-server.ts';
import type { Rules } from '../api.ts';

describe('realtime socket: limits', () => {
  test('a hello whose token check hangs is closed 1013 at the handshake deadline', async () => {
    const s = await serveRealtime(
      { helloTimeoutMs: 300 },
      { auth: { verify: () => new Promise(() => {}) } }, // a JWKS endpoint that never answers
    );
    const ws = await s.socket();
    const t0 = performance.now();
    ws.send({ type: 'hello', protocol: 3, clientId: 'c1', token: 'x.y.z', collections: ['lists'] });
    const closed = await ws.closed;
    const after = closed.at - t0;
    console.log(`hung token check: closed ${closed.code} after ${after.toFixed(0)} ms (deadline 300 ms)`);
    expect(closed.code).toBe(1013);
    expect(after).toBeGreaterThanOrEqual(250);
    expect(after).toBeLessThan(2000);
    expect(s.server.realtime!.stats().connections).toBe(0);
  });

  test('a client flooding messages is closed 4429 with the retry hint; one within the rate stays', async () => {
    const s = await serveRealtime({ messageRate: { perSecond: 20, burst: 10 } });
    const polite = await s.socket();
    await polite.hello({ clientId: 'c1', token: await s.token('alice'), collections: ['lists'] });
    const flood = await s.socket();
    await flood.hello({ clientId: 'c2', token: await s.token('alice'), collections: ['lists'] });
    for (let i = 0; i < 200; i++) flood.send({ type: 'ping' });
    const closed = await flood.closed;
    expect(closed.code).toBe(SOCKET_CLOSE.rateLimited);
    expect(socketRetryAfterMs(closed.reason)).toBe(500); // a burst of 10 at 20 per second
    // About the burst was answered before the close (plus a token per 50 ms the machine took).
    const pongs = flood.received.filter((m) => m.type === 'pong').length;
    console.log(`flood: ${pongs} of 200 pings answered before 4429`);
    expect(pongs).toBeGreaterThanOrEqual(9);
    expect(pongs).toBeLessThanOrEqual(15);
    // The polite socket, pinging at its pace on the same server, is served.
    for (let i = 0; i < 5; i++) {
      polite.send({ type: 'ping' });
      await polite.next('pong');
    }
    expect(polite.ws.readyState).toBe(polite.ws.OPEN);
  });

  test('a frame over maxPayloadBytes (16 KiB) is closed 1009, before and after the hello', async () => {
    const s = await serveRealtime();
    const early = await s.socket();
    early.send('x'.repeat(16 * 1024 + 1));
    expect((await early.closed).code).toBe(SOCKET_CLOSE.messageTooBig);
    const late = await s.socket();
    await late.hello({ clientId: 'c1', token: await s.token('alice'), collections: ['lists'] });
    late.send({ type: 'auth', token: 'a'.repeat(16 * 1024) });
    expect((await late.closed).code).toBe(SOCKET_CLOSE.messageTooBig);
    // A frame of exactly the limit is read (and refused as a message, not as a frame).
    const edge = await s.socket();
    edge.send(`"${'x'.repeat(16 * 1024 - 2)}"`);
    expect((await edge.closed).code).toBe(SOCKET_CLOSE.badMessage);
  });

  test('a client that stops reading is cut once the send buffer passes maxBufferedBytes', async () => {
    // 220 collections with long names (62 characters), and a membership whose change pokes
    // all of them: each write sends the client a poke of ~14 KB (a hello naming them all fits the
    // 16 KiB frame limit).
    const long = 'collectionWithTheLongestNameAllowedSoEveryPokeIsLargeNumber';
    const names = Array.from({ length: 220 }, (_, i) => `${long}${String(i).padStart(3, '0')}`);
    const schema = defineSchema({
      members: { columns: { userId: t.text() } },
      ...Object.fromEntries(names.map((n) => [n, { columns: { ownerId: t.text() } }])),
    });
    const own = { scope: 'ownerId', access: (auth: { userId: string }) => [auth.userId] };
    const rules: Rules = {
      members: { ...own, scope: 'userId', affects: (row) => [String(row.userId)] },
      ...Object.fromEntries(names.map((n) => [n, own])),
    };
    const cap = 256 * 1024;
    const s = await serveRealtime({ heartbeatMs: 120_000, maxBufferedBytes: cap }, { schema, rules });
    const ws = await s.socket();
    await ws.hello({ clientId: 'c1', token: await s.token('alice'), collections: ['members', ...names] });
    const tcp = (ws.ws as unknown as { _socket: Socket })._socket;
    tcp.pause(); // the client stops reading: the kernel buffers fill (~4 MB on loopback), then ws's
    let writes = 0;
    const limit = 2000; // ~28 MB of pokes: far past the kernel buffers and the cap
    while (s.server.realtime!.stats().connections > 0 && writes < limit) {
      await s.store.write((tx) => tx.insertRecord('members', `m${writes}`, { userId: 'alice' }));
      writes++;
    }
    const pokes = s.server.realtime!.stats().pokes;
    const mb = (pokes * JSON.stringify({ type: 'poke', collections: names }).length) / 2 ** 20;
    console.log(`slow consumer cut after ${writes} writes, ${pokes} pokes sent (${mb.toFixed(1)} MiB)`);
    expect(s.server.realtime!.stats().connections).toBe(0);
    expect(writes).toBeLessThan(limit);
    tcp.resume();
    // Cut without a closing handshake (the client was not reading): an abnormal close.
    expect([1006, SOCKET_CLOSE.silent]).toContain((await ws.closed).code);
  });
});
