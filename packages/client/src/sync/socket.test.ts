import { PROTOCOL_VERSION } from '@syncline/core';
import { describe, expect, test } from 'vitest';
import { type FakeSocket, fakeSockets } from '../../test/fake-socket.ts';
import { HOUR, nextDelay, settle, setupRealtime, until, welcome } from '../../test/realtime-setup.ts';
import { type Call, defaultAnswer, fail, type Script, scriptedClient } from '../../test/scripted.ts';
import { socketUrlOf } from './socket.ts';

const setup = setupRealtime;

describe('realtime socket with a fake WebSocket and a manual clock', () => {
  test('hello carries the token, clientId and collections; welcome → one pull; status.realtime and connected', async () => {
    const { c, fake, pulls } = await setup(defaultAnswer, { tokens: ['t0'] });
    const s = fake.last();
    expect(s.url).toBe('ws://sync.test/sync/ws');
    expect(s.sent).toEqual([]); // hello only once the upgrade is made
    s.accept();
    expect(s.sent).toEqual([
      { type: 'hello', protocol: PROTOCOL_VERSION, clientId: 'id-1', token: 't0', collections: ['notes'] },
    ]);
    expect(c.status.realtime).toBe(false);
    const before = pulls().length;
    s.message({ type: 'welcome', protocol: PROTOCOL_VERSION, heartbeatMs: 25_000 });
    expect(c.status).toMatchObject({ realtime: true, connected: true });
    await until(() => pulls().length === before + 1 && c.status.phase === 'idle');
    await c.stop();
  });

  test('coalescing: pokes during a pull cause exactly one more pull; unknown collections are ignored', async () => {
    let hold = false;
    const waiting: Array<() => void> = [];
    const script: Script = async (call: Call) => {
      if (call.path === '/pull' && hold) await new Promise<void>((r) => waiting.push(r));
      return defaultAnswer(call);
    };
    const { c, fake, pulls } = await setup(script);
    const s = fake.last();
    welcome(s);
    await until(() => pulls().length === 2 && c.status.phase === 'idle');

    hold = true;
    s.message({ type: 'poke', collections: ['notes'] });
    await until(() => waiting.length === 1);
    for (let i = 0; i < 3; i++) s.message({ type: 'poke', collections: ['notes'] });
    s.message({ type: 'poke', collections: ['elsewhere'] });
    await settle();
    expect(pulls()).toHaveLength(3);
    waiting.shift()!();
    await until(() => waiting.length === 1);
    expect(pulls()).toHaveLength(4);
    waiting.shift()!();
    await until(() => c.status.phase === 'idle');
    await settle();
    expect(pulls()).toHaveLength(4);

    // A poke naming only collections this client does not sync pulls nothing.
    hold = false;
    s.message({ type: 'poke', collections: ['elsewhere'] });
    await settle();
    expect(pulls()).toHaveLength(4);
    await c.stop();
  });

  test('heartbeat: pings every heartbeatMs, answers pings; 2 × heartbeatMs of silence → 4408, reconnect, pull', async () => {
    const { c, fake, pulls } = await setup();
    const s = fake.last();
    welcome(s, 1000);
    await until(() => pulls().length === 2 && c.status.phase === 'idle');
    c.clock.advance(1000);
    expect(s.types()).toEqual(['hello', 'ping']);
    s.message({ type: 'ping' }); // heard at +1000: silent from +3000
    expect(s.types()).toEqual(['hello', 'ping', 'pong']);
    c.clock.advance(1999);
    expect(s.closedWith).toBeNull();
    expect(s.types()).toEqual(['hello', 'ping', 'pong', 'ping']);
    c.clock.advance(1);
    expect(s.closedWith).toBe(4408);
    expect(c.status).toMatchObject({ realtime: false, connected: false });
    // The backoff was reset by the welcome: random 0.5 of the first 1 s window.
    expect(nextDelay(c)).toBe(500);
    c.clock.advance(500);
    await until(() => fake.sockets.length === 2);
    welcome(fake.last(), 1000);
    expect(c.status.realtime).toBe(true);
    // After any reconnect the client pulls: pokes sent while it was away are not lost.
    await until(() => pulls().length === 3 && c.status.phase === 'idle');
    await c.stop();
  });

  test('a write made while backing off is pushed at the welcome, not after the backoff (the server is back)', async () => {
    // The server is down: the socket is lost and a push fails, so the loop backs off; a local
    // write then only waits for that backoff. The socket's welcome proves the server is back.
    let down = false;
    const { c, fake, pulls } = await setup((call) =>
      down && call.path !== '/info' ? 'network' : defaultAnswer(call),
    );
    welcome(fake.last());
    await until(() => pulls().length === 2 && c.status.phase === 'idle');
    down = true;
    fake.last().serverClose(1006);
    await c.db.notes.insert({ title: 'while down' });
    c.clock.advance(50); // the push debounce: this push fails and the loop backs off
    await until(() => c.status.error?.code === 'network' && c.status.phase === 'idle');
    await c.db.notes.insert({ title: 'during the backoff' });
    await settle();
    expect(c.pushes()).toHaveLength(1);
    const failed = c.pushes().length;
    down = false;
    // The socket's reconnect (at +500) comes before the loop's retry (at +550): advance to it only.
    expect(nextDelay(c)).toBe(450);
    c.clock.advance(450);
    await until(() => fake.sockets.length === 2);
    welcome(fake.last());
    await until(() => c.status.pending === 0 && c.status.phase === 'idle');
    // Both went out at the welcome: the loop's retry timer (at +550) has not fired.
    expect(c.clock.now()).toBeLessThan(Date.parse('2026-11-25T13:00:00.550Z'));
    const sent = c
      .pushes()
      .slice(failed)
      .flatMap((b) => b.mutations!.map((m) => (m.op === 'insert' ? m.data.title : null)));
    expect(sent.sort()).toEqual(['during the backoff', 'while down']);
    await c.stop();
  });

  test('reconnect backoff: full jitter within [0, min(5 min, 1 s · 2^n)), drawn from the injected random', async () => {
    const draws = [0.9, 0.1, 0.99, 0.5, 0, 0.75, 0.3, 0.6, 0.95, 0.2, 0.42];
    let i = 0;
    const { c, fake } = await setup(defaultAnswer, { random: () => draws[i++ % draws.length]! });
    const delays: number[] = [];
    for (let n = 0; n < draws.length; n++) {
      fake.last().serverClose(1006); // refused before the upgrade
      const delay = nextDelay(c);
      const window = Math.min(300_000, 1000 * 2 ** n);
      expect(delay).toBeGreaterThanOrEqual(0);
      expect(delay).toBeLessThan(window);
      expect(delay).toBe(Math.floor(draws[n]! * window));
      delays.push(delay);
      c.clock.advance(delay);
      await until(() => fake.sockets.length === n + 2);
    }
    expect(delays.slice(0, 4)).toEqual([900, 200, 3960, 4000]);
    expect(delays.at(-1)).toBe(Math.floor(0.42 * 300_000));
    await c.stop();
  });

  test('a socket closed soon after its welcome (4429) keeps the backoff growing; a 4429 retry hint is a floor; one that lived a heartbeat resets it', async () => {
    const { c, fake } = await setup();
    const delays: number[] = [];
    for (let n = 0; n < 4; n++) {
      welcome(fake.last(), 1000);
      fake.last().serverClose(4429);
      delays.push(nextDelay(c));
      c.clock.advance(nextDelay(c));
      await until(() => fake.sockets.length === n + 2);
    }
    expect(delays).toEqual([500, 1000, 2000, 4000]);
    // The server's retry hint is a floor, even for a socket that lived a heartbeat.
    welcome(fake.last(), 1000);
    c.clock.advance(1000);
    fake.last().serverClose(4429, 'Too many messages; retry after 30000 ms.');
    expect(nextDelay(c)).toBe(30_000);
    c.clock.advance(30_000);
    await until(() => fake.sockets.length === 6);
    welcome(fake.last(), 1000);
    c.clock.advance(1000);
    fake.last().serverClose(1001);
    expect(nextDelay(c)).toBe(500);
    await c.stop();
  });

  test('4401: a fresh token and an immediate reconnect; a second 4401 before a welcome backs off', async () => {
    const { c, fake, errors } = await setup(defaultAnswer, { tokens: ['t0', 't1', 't2', 't3'] });
    fake.last().accept();
    expect(fake.last().sent[0]).toMatchObject({ type: 'hello', token: 't0' });
    fake.last().serverClose(4401);
    await until(() => fake.sockets.length === 2); // no clock advance: at once
    fake.last().accept();
    expect(fake.last().sent[0]).toMatchObject({ type: 'hello', token: 't1' });
    fake.last().serverClose(4401);
    await settle();
    expect(fake.sockets).toHaveLength(2);
    c.clock.advance(nextDelay(c));
    await until(() => fake.sockets.length === 3);
    welcome(fake.last());
    expect(fake.last().sent[0]).toMatchObject({ type: 'hello', token: 't2' });
    expect(c.status.realtime).toBe(true);
    // Expiry of an open socket's token: straight back again (the welcome re-armed the fast path).
    fake.last().serverClose(4401);
    await until(() => fake.sockets.length === 4);
    fake.last().accept();
    expect(fake.last().sent[0]).toMatchObject({ type: 'hello', token: 't3' });
    expect(errors).toEqual([]);
    await c.stop();
  });

  test('a token refreshed for a request (HTTP 401) is sent on the open socket as `auth`', async () => {
    let reject = false;
    const script: Script = (call) =>
      reject && call.token === 't0' ? fail(401, 'unauthenticated') : defaultAnswer(call);
    const { c, fake, pulls } = await setup(script, { tokens: ['t0', 't1'] });
    const s = fake.last();
    welcome(s);
    await until(() => pulls().length === 2 && c.status.phase === 'idle');
    reject = true;
    await c.sync();
    expect(s.sent.filter((m) => m.type === 'auth')).toEqual([{ type: 'auth', token: 't1' }]);
    await c.sync(); // the same token again: nothing more to say
    expect(s.types().filter((x) => x === 'auth')).toHaveLength(1);
    await c.stop();
  });

  test.each([
    [4403, 'forbidden'],
    [4426, 'protocol_unsupported'],
  ])('%i: the socket gives up with one error; the slow poll goes on', async (code, errorCode) => {
    const { c, fake, errors, pulls } = await setup();
    fake.last().accept();
    fake.last().serverClose(code);
    expect(errors.map((e) => e.code)).toEqual([errorCode]);
    expect(errors[0]!.message).toMatch(/slow poll/);
    expect(c.clock.pending()).toEqual([c.clock.now() + HOUR]); // the poll only
    const before = pulls().length;
    for (let n = 1; n <= 2; n++) {
      c.clock.advance(HOUR);
      await until(() => pulls().length === before + n && c.status.phase === 'idle');
    }
    c.network.set(false);
    c.network.set(true);
    c.clock.advance(0);
    await until(() => pulls().length === before + 3 && c.status.phase === 'idle');
    expect(fake.sockets).toHaveLength(1);
    expect(errors.map((e) => e.code)).toEqual([errorCode]);
    await c.stop();
  });

  test('an upgrade that cannot be made (404, a proxy): the slow poll carries sync, the socket is retried with backoff', async () => {
    let refuse = true;
    const fake = fakeSockets();
    const Refused = class extends fake.WebSocket {
      constructor(url: string) {
        super(url);
        // What a browser reports for an upgrade answered 404: error, then close 1006.
        if (refuse) queueMicrotask(() => (this as unknown as FakeSocket).serverClose(1006));
      }
    };
    const c = scriptedClient(defaultAnswer, {
      client: { realtime: { url: 'ws://sync.test/sync/ws', WebSocket: Refused }, pollIntervalMs: 30_000 },
    });
    const pulls = () => c.calls.filter((x) => x.path === '/pull').length;
    await c.start();
    for (let s = 0; s < 120; s++) {
      c.clock.advance(1000);
      await settle();
    }
    // Two minutes in steps of 1 s: the first cycle (done at 1 s) and a poll 30 s after each.
    expect(pulls()).toBe(4);
    expect(c.status).toMatchObject({ realtime: false, connected: true, error: null });
    // Attempts wait half (random 0.5) of windows of 1, 2, 4, … 64 s: 8 in two minutes, not 120.
    expect(fake.sockets).toHaveLength(8);
    refuse = false;
    // The poll (at 121 s) and the next attempt (its window is 64 s by now).
    expect(c.clock.pending().map((t) => t - c.clock.now())).toEqual([1000, 9000]);
    c.clock.advance(9000);
    await until(() => fake.sockets.length === 9);
    welcome(fake.last());
    expect(c.status.realtime).toBe(true);
    await until(() => pulls() === 6);
    await c.stop();
  });

  test('offline closes the socket; online opens it again and pulls', async () => {
    const { c, fake, pulls } = await setup();
    const s = fake.last();
    welcome(s);
    await until(() => pulls().length === 2 && c.status.phase === 'idle');
    c.network.set(false);
    expect(s.closedWith).toBe(1000);
    expect(c.status.realtime).toBe(false);
    c.clock.advance(HOUR);
    await settle();
    expect(fake.sockets).toHaveLength(1);
    c.network.set(true);
    c.clock.advance(0);
    await until(() => fake.sockets.length === 2);
    welcome(fake.last());
    expect(c.status.realtime).toBe(true);
    await until(() => pulls().length >= 4 && c.status.phase === 'idle'); // the online cycle and the welcome pull
    await c.stop();
  });

  test('stop closes the socket and leaves no timer; frames after that change nothing', async () => {
    const { c, fake, pulls } = await setup();
    const s = fake.last();
    welcome(s);
    await until(() => pulls().length === 2 && c.status.phase === 'idle');
    await c.stop();
    expect(s.closedWith).toBe(1000);
    expect(c.status.realtime).toBe(false);
    expect(c.clock.pending()).toEqual([]);
    s.message({ type: 'poke', collections: ['notes'] });
    s.serverClose(1001);
    await settle();
    expect(pulls()).toHaveLength(2);
    expect(fake.sockets).toHaveLength(1);
    expect(c.clock.pending()).toEqual([]);
  });

  test('a frame that is not the protocol closes the socket (4400) and it reconnects', async () => {
    const { c, fake } = await setup();
    const s = fake.last();
    welcome(s);
    s.message('{"type":"surprise"}');
    expect(s.closedWith).toBe(4400);
    expect(c.status.realtime).toBe(false);
    c.clock.advance(nextDelay(c));
    await until(() => fake.sockets.length === 2);
    await c.stop();
  });
});

describe('socketUrlOf', () => {
  test('http → ws, https → wss, /ws appended; ws URLs kept; other schemes none', () => {
    expect(socketUrlOf('http://127.0.0.1:8787/sync')).toBe('ws://127.0.0.1:8787/sync/ws');
    expect(socketUrlOf('https://api.example.com/sync/')).toBe('wss://api.example.com/sync/ws');
    expect(socketUrlOf('wss://api.example.com/base')).toBe('wss://api.example.com/base/ws');
    expect(socketUrlOf('/sync')).toBeNull(); // relative, and no page to resolve it against
    expect(socketUrlOf('file:///sync')).toBeNull();
  });

  test('a relative URL resolves against the page (https page → wss)', () => {
    const g = globalThis as { location?: unknown };
    g.location = { href: 'https://app.example.com/lists/1' };
    try {
      expect(socketUrlOf('/sync')).toBe('wss://app.example.com/sync/ws');
    } finally {
      delete g.location;
    }
  });
});
