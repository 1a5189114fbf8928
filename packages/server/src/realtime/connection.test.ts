/**
 * Trace tests of one socket's protocol on an injected clock: when pings go out, when silence
 * closes (4408), when a token's expiry closes (4401) and how `auth` re-arms it, and frames that
 * arrive while the hello is being checked. No network, no real time.
 */
import { SOCKET_CLOSE, type SocketHello, socketRetryAfterMs } from '@syncline/core';
import { describe, expect, test } from 'vitest';
import type { AuthContext, RealtimeTimers } from '../api.ts';
import { type Admission, Connection, type SocketLimits, socketLimits } from './connection.ts';

/** A manual clock: timers fire only inside `advance`, in due order. */
function fakeClock(start = 1_000_000) {
  let now = start;
  let nextId = 0;
  const due = new Map<number, { at: number; fn: () => void }>();
  const timers: RealtimeTimers = {
    setTimeout: (fn, ms) => {
      const id = ++nextId;
      due.set(id, { at: now + ms, fn });
      return id;
    },
    clearTimeout: (handle) => {
      due.delete(handle as number);
    },
  };
  return {
    timers,
    now: () => now,
    advance(ms: number) {
      const end = now + ms;
      for (;;) {
        const next = [...due.entries()].sort((a, b) => a[1].at - b[1].at || a[0] - b[0])[0];
        if (!next || next[1].at > end) break;
        due.delete(next[0]);
        now = next[1].at;
        next[1].fn();
      }
      now = end;
    },
  };
}

const flush = () => new Promise((resolve) => setImmediate(resolve));

function setup(
  opts: {
    admit?: () => Promise<Admission>;
    verify?: () => Promise<AuthContext>;
    limits?: Partial<SocketLimits>;
  } = {},
) {
  const clock = fakeClock();
  const sent: Array<{ at: number; msg: { type: string } }> = [];
  let closed: { at: number; code: number; reason: string } | null = null;
  const peer = { buffered: 0, terminated: false };
  const tokens = new Map<string, AuthContext>();
  const conn = new Connection({
    peer: {
      send: (text) => sent.push({ at: clock.now(), msg: JSON.parse(text) }),
      close: (code, reason) => {
        closed = { at: clock.now(), code, reason };
      },
      bufferedAmount: () => peer.buffered,
      terminate: () => {
        peer.terminated = true;
      },
    },
    heartbeatMs: 1000,
    helloTimeoutMs: 5000,
    limits: { ...socketLimits({}), ...opts.limits },
    now: clock.now,
    timers: clock.timers,
    verify: async (token) => {
      if (opts.verify) return opts.verify();
      const auth = tokens.get(token);
      if (!auth) throw new Error('bad token');
      return auth;
    },
    admit: opts.admit ?? (async () => ({ ok: true })),
    ended: () => {},
  });
  const hello = (token: string): string =>
    JSON.stringify({
      type: 'hello',
      protocol: 3,
      clientId: 'c1',
      token,
      collections: [],
    } satisfies SocketHello);
  return {
    clock,
    conn,
    peer,
    sent,
    closed: () => closed,
    hello,
    /** A token for `user` expiring at `exp` ms on the fake clock. */
    token(name: string, user: string, expMs?: number) {
      tokens.set(name, { userId: user, claims: expMs === undefined ? {} : { exp: expMs / 1000 } });
      return name;
    },
  };
}

describe('realtime connection (fake clock)', () => {
  test('pings every heartbeat; a peer heard within 2 × heartbeat stays; silence closes 4408 at 2 × heartbeat', async () => {
    const s = setup();
    s.conn.message(s.hello(s.token('t', 'alice')));
    await flush();
    expect(s.sent.map((m) => m.msg.type)).toEqual(['welcome']);
    const t0 = s.clock.now();
    for (let i = 0; i < 5; i++) {
      s.clock.advance(1000);
      s.conn.message('{"type":"pong"}');
    }
    expect(s.sent.filter((m) => m.msg.type === 'ping').map((m) => m.at - t0)).toEqual([
      1000, 2000, 3000, 4000, 5000,
    ]);
    expect(s.closed()).toBeNull();
    const heard = s.clock.now();
    s.clock.advance(1999);
    expect(s.closed()).toBeNull();
    s.clock.advance(1);
    expect(s.closed()).toMatchObject({ code: SOCKET_CLOSE.silent, at: heard + 2000 });
  });

  test('no hello within the handshake timeout closes 4408', () => {
    const s = setup();
    s.clock.advance(4999);
    expect(s.closed()).toBeNull();
    s.clock.advance(1);
    expect(s.closed()?.code).toBe(SOCKET_CLOSE.silent);
  });

  test('the token’s exp closes 4401 on time; auth with a fresh token re-arms; a token of another user is 4403', async () => {
    const s = setup();
    const start = s.clock.now();
    s.conn.message(s.hello(s.token('short', 'alice', start + 3000)));
    await flush();
    s.clock.advance(1000);
    s.conn.message(JSON.stringify({ type: 'auth', token: s.token('long', 'alice', start + 60_000) }));
    await flush();
    // Keep the socket heard, past the first token's expiry.
    for (let i = 0; i < 10; i++) {
      s.clock.advance(1000);
      s.conn.message('{"type":"pong"}');
    }
    expect(s.closed()).toBeNull();
    s.conn.message(JSON.stringify({ type: 'auth', token: s.token('bob', 'bob', start + 60_000) }));
    await flush();
    expect(s.closed()?.code).toBe(SOCKET_CLOSE.forbidden);

    const e = setup();
    const t = e.clock.now();
    e.conn.message(e.hello(e.token('short', 'alice', t + 1500)));
    await flush();
    e.clock.advance(1000);
    e.conn.message('{"type":"pong"}');
    e.clock.advance(499);
    expect(e.closed()).toBeNull();
    e.clock.advance(1);
    expect(e.closed()).toMatchObject({ code: SOCKET_CLOSE.unauthenticated, at: t + 1500 });
  });

  test('frames sent while the hello is checked are answered after welcome; a refused hello closes with its code', async () => {
    let release: (a: Admission) => void = () => {};
    const s = setup({ admit: () => new Promise<Admission>((r) => (release = r)) });
    s.conn.message(s.hello(s.token('t', 'alice')));
    s.conn.message('{"type":"ping"}');
    await flush();
    expect(s.sent).toEqual([]);
    release({ ok: true });
    await flush();
    expect(s.sent.map((m) => m.msg.type)).toEqual(['welcome', 'pong']);

    const r = setup({
      admit: async () => ({ ok: false, code: SOCKET_CLOSE.forbidden, reason: 'not yours' }),
    });
    r.conn.message(r.hello(r.token('t', 'alice')));
    await flush();
    expect(r.closed()?.code).toBe(SOCKET_CLOSE.forbidden);
    expect(r.sent).toEqual([]);
  });

  test('one deadline covers the hello and its check: a check that hangs closes 1013 at the deadline', async () => {
    const s = setup({ verify: () => new Promise<AuthContext>(() => {}) });
    s.clock.advance(4000);
    s.conn.message(s.hello('t'));
    await flush();
    s.clock.advance(999);
    expect(s.closed()).toBeNull();
    s.clock.advance(1);
    expect(s.closed()).toMatchObject({ code: 1013, at: s.clock.now() });
    expect(s.sent).toEqual([]);

    // A hello checked in time is welcomed, and the deadline does not fire after that.
    const ok = setup();
    ok.clock.advance(4999);
    ok.conn.message(ok.hello(ok.token('t', 'alice')));
    await flush();
    ok.clock.advance(1000);
    ok.conn.message('{"type":"pong"}');
    expect(ok.sent.map((m) => m.msg.type)).toContain('welcome');
    expect(ok.closed()).toBeNull();
  });

  test('message rate: a burst, then perSecond; one more closes 4429 with the time to refill as the hint', async () => {
    const s = setup({ limits: { messagesPerSecond: 10, messageBurst: 5 } });
    s.conn.message(s.hello(s.token('t', 'alice')));
    await flush();
    for (let i = 0; i < 4; i++) s.conn.message('{"type":"pong"}'); // the hello took the fifth token
    expect(s.closed()).toBeNull();
    // 100 ms refill one token: one message every 100 ms is kept up indefinitely.
    for (let i = 0; i < 30; i++) {
      s.clock.advance(100);
      s.conn.message('{"type":"pong"}');
    }
    expect(s.closed()).toBeNull();
    s.conn.message('{"type":"pong"}');
    const closed = s.closed()!;
    expect(closed.code).toBe(SOCKET_CLOSE.rateLimited);
    expect(socketRetryAfterMs(closed.reason)).toBe(500); // 5 tokens at 10 per second
  });

  test('a send buffer over maxBufferedBytes closes 4408 and cuts the connection', async () => {
    const s = setup({ limits: { maxBufferedBytes: 1000 } });
    s.conn.message(s.hello(s.token('t', 'alice')));
    await flush();
    s.peer.buffered = 1000;
    expect(s.conn.send({ type: 'poke', collections: ['lists'] })).toBe(true);
    expect(s.closed()).toBeNull();
    s.peer.buffered = 1001;
    expect(s.conn.send({ type: 'poke', collections: ['lists'] })).toBe(false);
    expect(s.closed()?.code).toBe(SOCKET_CLOSE.silent);
    expect(s.peer.terminated).toBe(true);
  });

  test('limits must be positive numbers', () => {
    expect(() => socketLimits({ maxBufferedBytes: 0 })).toThrow(/maxBufferedBytes must be a positive number/);
    expect(() => socketLimits({ messageRate: { perSecond: Number.NaN } })).toThrow(/perSecond/);
  });
});
