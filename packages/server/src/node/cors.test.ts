/**
 * CORS over real HTTP on loopback against a real SQLite store: preflights from listed and other
 * origins, the headers on ordinary, error and 429 answers, and the realtime socket's `Origin`
 * check (real `ws` clients).
 */
import { randomBytes } from 'node:crypto';
import { PROTOCOL_VERSION } from '@syncline/core';
import { afterEach, describe, expect, test } from 'vitest';
import { WebSocket } from 'ws';
import { listenOnSqlite } from '../../test/listen-sqlite.ts';
import { signDevToken } from '../auth/index.ts';
import { createCors } from './cors.ts';
import type { Listener, ListenOptions } from './listen.ts';

const SECRET = randomBytes(32).toString('hex');
const APP = 'https://app.example.com';
const EVIL = 'https://evil.example';
const cleanups: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

/** `cors: null`: no cors option at all. */
async function serve(
  options: Omit<ListenOptions, 'port' | 'cors'> & { cors?: ListenOptions['cors'] | null } = {},
): Promise<Listener> {
  const { cors = { origins: [APP, 'http://localhost:5173'] }, ...rest } = options;
  const { listener, cleanup } = await listenOnSqlite(SECRET, { ...rest, ...(cors === null ? {} : { cors }) });
  cleanups.push(cleanup);
  return listener;
}

const preflight = (url: string, origin: string) =>
  fetch(`${url}/sync/push`, {
    method: 'OPTIONS',
    headers: {
      origin,
      'access-control-request-method': 'POST',
      'access-control-request-headers': 'authorization, content-type',
    },
  });

const corsHeaders = (res: Response) => {
  const names: string[] = [];
  res.headers.forEach((_, name) => {
    if (name.startsWith('access-control-')) names.push(name);
  });
  return names.sort();
};

describe('CORS', () => {
  test('a preflight from a listed origin is answered 204 with methods, headers and max-age', async () => {
    const listener = await serve();
    const res = await preflight(listener.url, APP);
    expect(res.status).toBe(204);
    expect(res.headers.get('access-control-allow-origin')).toBe(APP);
    expect(res.headers.get('access-control-allow-methods')).toBe('GET, HEAD, POST');
    expect(res.headers.get('access-control-allow-headers')).toBe('authorization, content-type, x-request-id');
    expect(res.headers.get('access-control-max-age')).toBe('600');
    expect(res.headers.get('vary')).toBe('Origin');
  });

  test('a preflight from another origin gets no CORS header (403), nor does its ordinary request', async () => {
    const listener = await serve();
    const res = await preflight(listener.url, EVIL);
    expect(res.status).toBe(403);
    expect(corsHeaders(res)).toEqual([]);
    expect(((await res.json()) as { error: { code: string } }).error.code).toBe('forbidden');
    const info = await fetch(`${listener.url}/sync/info`, { headers: { origin: EVIL } });
    expect(info.status).toBe(200);
    expect(corsHeaders(info)).toEqual([]);
  });

  test('answers to a listed origin carry the headers, errors and 429s included; Retry-After and x-request-id are exposed', async () => {
    const listener = await serve({ rateLimit: { user: { perSecond: 1, burst: 1 }, now: () => 0 } });
    const check = (res: Response) => {
      expect(res.headers.get('access-control-allow-origin')).toBe(APP);
      expect(res.headers.get('access-control-expose-headers')).toBe('Retry-After, x-request-id');
    };
    const info = await fetch(`${listener.url}/sync/info`, { headers: { origin: APP } });
    expect(info.status).toBe(200);
    check(info);
    const body = JSON.stringify({ protocol: PROTOCOL_VERSION, clientId: 'c1', collections: {} });
    const unauthenticated = await fetch(`${listener.url}/sync/pull`, {
      method: 'POST',
      headers: { origin: APP },
      body,
    });
    expect(unauthenticated.status).toBe(401);
    check(unauthenticated);
    const notFound = await fetch(`${listener.url}/nope`, { headers: { origin: APP } });
    expect(notFound.status).toBe(404);
    check(notFound);
    const headers = { origin: APP, authorization: `Bearer ${await signDevToken(SECRET, 'alice', '1h')}` };
    expect((await fetch(`${listener.url}/sync/pull`, { method: 'POST', headers, body })).status).toBe(200);
    const limited = await fetch(`${listener.url}/sync/pull`, { method: 'POST', headers, body });
    expect(limited.status).toBe(429);
    check(limited);
    expect(limited.headers.get('retry-after')).toBe('1');
  });

  test('no cors option: no CORS header, and OPTIONS is not a route', async () => {
    const listener = await serve({ cors: null });
    const res = await preflight(listener.url, APP);
    expect(res.status).toBe(404);
    expect(corsHeaders(res)).toEqual([]);
  });

  test("'*' allows any origin; malformed origins are refused with the fix", () => {
    const any = createCors({ origins: ['*'] });
    expect(any.allows(EVIL)).toBe(true);
    expect(() => createCors({ origins: ['https://app.example.com/'] })).toThrow(
      /not an origin.*did you mean "https:\/\/app\.example\.com"/,
    );
    expect(() => createCors({ origins: ['app.example.com'] })).toThrow(/scheme:\/\/host\[:port\]/);
  });
});

describe('CORS and the realtime socket', () => {
  /** Opens a socket with `origin` (or none): 'open', or the upgrade's refusal status. */
  const attempt = (url: string, origin?: string) =>
    new Promise<'open' | number>((resolve, reject) => {
      const ws = new WebSocket(
        `${url.replace('http', 'ws')}/sync/ws`,
        origin === undefined ? {} : { origin },
      );
      ws.once('open', () => {
        ws.terminate();
        resolve('open');
      });
      ws.once('unexpected-response', (_req, res) => {
        resolve(res.statusCode ?? 0);
        ws.terminate();
      });
      ws.once('error', (error) => {
        if (!/Unexpected server response/.test(error.message)) reject(error);
      });
    });

  test('an upgrade from a foreign origin is refused (403); a listed origin and no origin connect', async () => {
    const listener = await serve();
    expect(await attempt(listener.url, EVIL)).toBe(403);
    expect(await attempt(listener.url, APP)).toBe('open');
    expect(await attempt(listener.url)).toBe('open');
  });

  test('without a cors option any origin connects (as before)', async () => {
    const listener = await serve({ cors: null });
    expect(await attempt(listener.url, EVIL)).toBe('open');
  });
});
