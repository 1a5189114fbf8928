/**
 * The listener's limits over real HTTP on loopback against a real SQLite store: rate limits
 * (429 + Retry-After), idle timeouts (a stalled request is closed, a slow but steady 4 MiB push
 * finishes), the per-address connection cap and the `/metrics` token. Bucket clocks are injected;
 * the only waits are the slow link's pauses between chunks.
 */
import { randomBytes } from 'node:crypto';
import { request as httpRequest } from 'node:http';
import { connect, type Socket } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { PROTOCOL_VERSION } from '@syncline/core';
import { afterEach, describe, expect, test } from 'vitest';
import { listenOnSqlite } from '../../test/listen-sqlite.ts';
import { createJwtAuth, signDevToken } from '../auth/index.ts';
import { suiteSchema } from '../stores/conformance/helpers.ts';
import type { Listener, ListenOptions } from './listen.ts';

const SECRET = randomBytes(32).toString('hex');
const cleanups: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

async function serve(options: Omit<ListenOptions, 'port'> = {}): Promise<Listener> {
  const { listener, cleanup } = await listenOnSqlite(SECRET, options);
  cleanups.push(cleanup);
  return listener;
}

const token = (user: string) => signDevToken(SECRET, user, '1h');
/** A pull of notes; the client id is the token's (each user's client their own). */
const pullBody = (auth: string | null) =>
  JSON.stringify({
    protocol: PROTOCOL_VERSION,
    clientId: `c-${(auth ?? 'none').slice(-12)}`,
    collections: { notes: { cursor: null } },
  });

async function pull(url: string, auth: string | null, headers: Record<string, string> = {}) {
  return fetch(`${url}/sync/pull`, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      ...(auth === null ? {} : { authorization: `Bearer ${auth}` }),
      ...headers,
    },
    body: pullBody(auth),
  });
}

/** A raw TCP connection that records what it receives and resolves `closed` with it. */
function rawSocket(port: number) {
  const socket: Socket = connect(port, '127.0.0.1');
  let received = '';
  socket.on('data', (d) => {
    received += d.toString('latin1');
  });
  socket.on('error', () => undefined);
  const opened = new Promise<void>((resolve) => socket.once('connect', () => resolve()));
  const closed = new Promise<{ received: string; at: number }>((resolve) =>
    socket.once('close', () => resolve({ received, at: performance.now() })),
  );
  /** Resolves once `text` has arrived. */
  const waitFor = (text: string) =>
    new Promise<void>((resolve, reject) => {
      const check = () => {
        if (received.includes(text)) {
          socket.off('data', check);
          resolve();
        }
      };
      socket.on('data', check);
      socket.once('close', () => reject(new Error(`closed before "${text}": ${received}`)));
      check();
    });
  return { socket, opened, closed, waitFor, received: () => received };
}

describe('rate limits', () => {
  test('a burst from one user gets 429 with Retry-After while another user is still served; the bucket refills', async () => {
    let now = 0;
    const listener = await serve({ rateLimit: { user: { perSecond: 2, burst: 3 }, now: () => now } });
    const alice = await token('alice');
    const bob = await token('bob');
    const statuses: number[] = [];
    for (let i = 0; i < 4; i++) statuses.push((await pull(listener.url, alice)).status);
    expect(statuses).toEqual([200, 200, 200, 429]);

    const limited = await pull(listener.url, alice);
    expect(limited.status).toBe(429);
    expect(limited.headers.get('retry-after')).toBe('1');
    expect(limited.headers.get('x-request-id')).toBeTruthy();
    const body = (await limited.json()) as { error: { code: string; message: string; details: unknown } };
    expect(body.error.code).toBe('rate_limited');
    expect(body.error.details).toEqual({ limit: 'user', retryAfterSeconds: 1 });
    expect(body.error.message).toMatch(/retry in 1 s/);

    // Another user has a bucket of their own.
    expect((await pull(listener.url, bob)).status).toBe(200);
    // Half a second gives alice one request back (2 per second), then she is limited again.
    now += 500;
    expect((await pull(listener.url, alice)).status).toBe(200);
    expect((await pull(listener.url, alice)).status).toBe(429);
    // /healthz and /sync/info are never limited.
    expect((await fetch(`${listener.url}/healthz`)).status).toBe(200);
    expect((await fetch(`${listener.url}/sync/info`)).status).toBe(200);
  });

  test('refused tokens are limited per address (X-Forwarded-For only with trustProxy); a valid token is not counted there', async () => {
    const listener = await serve({
      rateLimit: { ip: { perSecond: 0.1, burst: 2 }, now: () => 0 },
      trustProxy: true,
    });
    const from = (ip: string) => ({ 'x-forwarded-for': `198.51.100.1, ${ip}` });
    const bad = ['garbage', 'garbage', 'garbage'];
    const statuses = [];
    for (const t of bad) statuses.push((await pull(listener.url, t, from('203.0.113.7'))).status);
    expect(statuses).toEqual([401, 401, 429]);
    const limited = await pull(listener.url, null, from('203.0.113.7'));
    expect(limited.status).toBe(429);
    expect(limited.headers.get('retry-after')).toBe('10');
    expect(((await limited.json()) as { error: { details: unknown } }).error.details).toEqual({
      limit: 'ip',
      retryAfterSeconds: 10,
    });
    // Another address (the proxy's last entry), and a valid token from the limited one, are served.
    expect((await pull(listener.url, 'garbage', from('203.0.113.8'))).status).toBe(401);
    expect((await pull(listener.url, await token('alice'), from('203.0.113.7'))).status).toBe(200);
  });

  test('without trustProxy the client cannot choose its address; off by default', async () => {
    const limited = await serve({ rateLimit: { ip: { perSecond: 0.1, burst: 1 }, now: () => 0 } });
    expect((await pull(limited.url, 'x', { 'x-forwarded-for': '203.0.113.1' })).status).toBe(401);
    expect((await pull(limited.url, 'x', { 'x-forwarded-for': '203.0.113.2' })).status).toBe(429);

    const open = await serve();
    const alice = await token('alice');
    const statuses = new Set<number>();
    for (let i = 0; i < 30; i++) statuses.add((await pull(open.url, alice)).status);
    expect([...statuses]).toEqual([200]);
  });

  test('bad settings are refused with the option named', async () => {
    await expect(serve({ rateLimit: { user: { perSecond: 0, burst: 5 } } })).rejects.toThrow(
      /rateLimit\.user\.perSecond must be a positive number/,
    );
    await expect(serve({ trustProxy: -1 })).rejects.toThrow(/trustProxy must be/);
  });
});

describe('idle timeouts', () => {
  test('stalled headers and a stalled body are closed within the idle timeout while a slow but steady 4 MiB push completes', async () => {
    const IDLE = 300;
    const listener = await serve({ headersTimeoutMs: IDLE, bodyIdleTimeoutMs: IDLE });
    const alice = await token('alice');

    // 20 notes of 200,000 characters: a 4 MB body, sent in 64 KiB chunks every 50 ms (about 3 s).
    const mutations = Array.from({ length: 20 }, (_, i) => ({
      seq: i + 1,
      collection: 'notes',
      id: `big-${i}`,
      op: 'insert',
      data: { ownerId: 'alice', body: String(i % 10).repeat(200_000) },
    }));
    const body = Buffer.from(
      JSON.stringify({
        protocol: PROTOCOL_VERSION,
        clientId: 'slow-1',
        schemaHash: suiteSchema.hash,
        mutations,
      }),
    );
    expect(body.length).toBeGreaterThan(4_000_000);
    expect(body.length).toBeLessThanOrEqual(4 * 1024 * 1024);
    const started = performance.now();
    const slowPush = new Promise<{ status: number; text: string }>((resolve, reject) => {
      const req = httpRequest(`${listener.url}/sync/push`, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          'content-length': String(body.length),
          authorization: `Bearer ${alice}`,
        },
      });
      req.on('error', reject);
      req.on('response', (res) => {
        let text = '';
        res.on('data', (d) => {
          text += d;
        });
        res.on('end', () => resolve({ status: res.statusCode ?? 0, text }));
      });
      void (async () => {
        for (let offset = 0; offset < body.length; offset += 64 * 1024) {
          req.write(body.subarray(offset, offset + 64 * 1024));
          await sleep(50); // the slow link
        }
        req.end();
      })();
    });

    // Headers that never complete.
    const headers = rawSocket(listener.port);
    await headers.opened;
    headers.socket.write('POST /sync/push HTTP/1.1\r\nHost: x\r\ncontent-type: application');
    const headersSent = performance.now();
    // A body that stops after a few bytes.
    const stalled = rawSocket(listener.port);
    await stalled.opened;
    stalled.socket.write(
      `POST /sync/push HTTP/1.1\r\nHost: x\r\nauthorization: Bearer ${alice}\r\ncontent-type: application/json\r\ncontent-length: 1000\r\n\r\n{"protocol":`,
    );
    const bodySent = performance.now();

    const headersClosed = await headers.closed;
    expect(headersClosed.received).toMatch(/^HTTP\/1\.1 408/);
    expect(headersClosed.at - headersSent).toBeLessThan(IDLE + 1000);
    const bodyClosed = await stalled.closed;
    expect(bodyClosed.at - bodySent).toBeGreaterThanOrEqual(IDLE - 50);
    expect(bodyClosed.at - bodySent).toBeLessThan(IDLE + 1000);

    const pushed = await slowPush;
    const took = performance.now() - started;
    expect(took).toBeGreaterThan(10 * IDLE); // far longer than the idle timeout, and it still finished
    expect(pushed.status).toBe(200);
    const results = (JSON.parse(pushed.text) as { results: Array<{ status: string }> }).results;
    expect(results.map((r) => r.status)).toEqual(Array(20).fill('applied'));

    const metrics = await (await fetch(`${listener.url}/metrics`)).text();
    expect(metrics).toContain('syncline_http_closed_total{reason="body_idle"} 1');
  }, 30_000);

  test('bytes waiting for the handler are not a stall: a small body sent with its headers is served after a slow token check', async () => {
    const jwt = createJwtAuth({ secret: SECRET });
    // Verification takes three idle timeouts (a slow JWKS fetch, say) before the body is read.
    const slowAuth = {
      async verify(t: string | null) {
        await sleep(450);
        return jwt.verify(t);
      },
    };
    const { listener, cleanup } = await listenOnSqlite(SECRET, { bodyIdleTimeoutMs: 150 }, slowAuth);
    cleanups.push(cleanup);
    expect((await pull(listener.url, await token('alice'))).status).toBe(200);
  });
});

describe('connection cap', () => {
  test('a connection over the per-address cap is answered 503 and closed; one closing makes room', async () => {
    const listener = await serve({ maxConnectionsPerIp: 2 });
    const keepAlive = 'GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n';
    const first = rawSocket(listener.port);
    const second = rawSocket(listener.port);
    for (const s of [first, second]) {
      await s.opened;
      s.socket.write(keepAlive);
      await s.waitFor('{"ok":true}'); // served, and kept open (keep-alive)
    }
    const third = rawSocket(listener.port);
    const refused = await third.closed;
    expect(refused.received).toMatch(/^HTTP\/1\.1 503 /);
    expect(refused.received).toContain('"code":"unavailable"');
    expect(refused.received).toContain('at most 2');

    first.socket.destroy();
    await first.closed;
    // The server sees the close a moment after the client does: try until it has (bounded).
    let served = false;
    for (let attempt = 0; attempt < 50 && !served; attempt++) {
      const next = rawSocket(listener.port);
      await next.opened;
      next.socket.write('GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n');
      served = (await next.closed).received.startsWith('HTTP/1.1 200');
    }
    expect(served).toBe(true);
    second.socket.destroy();
    const metrics = await (await fetch(`${listener.url}/metrics`)).text();
    expect(metrics).toMatch(/syncline_http_closed_total\{reason="connection_cap"\} [1-9]/);
  });
});

describe('/metrics token', () => {
  test('refused without the token or with another; served with it', async () => {
    const secret = 'metrics-token-0123456789';
    const listener = await serve({ metrics: { token: secret } });
    const none = await fetch(`${listener.url}/metrics`);
    expect(none.status).toBe(401);
    expect(none.headers.get('www-authenticate')).toBe('Bearer realm="metrics"');
    expect(((await none.json()) as { error: { code: string } }).error.code).toBe('unauthenticated');
    const wrong = await fetch(`${listener.url}/metrics`, {
      headers: { authorization: 'Bearer nope-nope-nope-nope' },
    });
    expect(wrong.status).toBe(401);
    const right = await fetch(`${listener.url}/metrics`, { headers: { authorization: `Bearer ${secret}` } });
    expect(right.status).toBe(200);
    expect(await right.text()).toContain('syncline_uptime_seconds');
  });

  test('a short token is refused; metrics: false still turns the route off', async () => {
    await expect(serve({ metrics: { token: 'short' } })).rejects.toThrow(/at least 16 characters/);
    const off = await serve({ metrics: false });
    expect((await fetch(`${off.url}/metrics`)).status).toBe(404);
  });
});
