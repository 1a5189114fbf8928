import { describe, expect, test } from 'vitest';
import { type Call, defaultAnswer, fail, ok, scriptedClient } from '../../test/scripted.ts';
import type { SyncStatus } from '../status.ts';

/** Lets queued promise work run (no timers involved): the engine's work is all promise-based. */
async function until(cond: () => boolean): Promise<void> {
  for (let i = 0; i < 2000 && !cond(); i++) await new Promise<void>((r) => setImmediate(r));
  expect(cond()).toBe(true);
}

describe('sync loop with scripted transport and a manual clock', () => {
  test('retry trace: exponential backoff with jitter, Retry-After floor, offline pause, reset on reconnect', async () => {
    const t0 = Date.parse('2026-11-25T13:00:00.000Z');
    const times: number[] = [];
    let mode: 'down' | '429' | 'up' = 'down';
    const c = scriptedClient((call: Call) => {
      times.push(c.clock.now() - t0);
      if (mode === 'down') return 'network';
      if (mode === '429') return fail(429, 'rate_limited', undefined, { 'retry-after': '10' });
      return defaultAnswer(call);
    });
    const errors: string[] = [];
    c.on('error', (e) => errors.push(e.code));
    await c.db.notes.insert({ title: 'a' });
    await c.start();
    c.clock.advance(0);
    await until(() => times.length === 1);
    // random() = 0.5 → half of each window: 1000·2^n capped at 60 s.
    for (const [n, wait] of [
      [2, 500],
      [3, 1000],
      [4, 2000],
    ] as const) {
      await until(() => c.clock.pending().length === 1);
      c.clock.advance(wait);
      await until(() => times.length === n);
    }
    expect(times).toEqual([0, 500, 1500, 3500]);
    // Four failed attempts of one outage: one `error` event (issue 12); status.error has the latest.
    expect(errors).toEqual(['network']);
    expect(c.status).toMatchObject({ connected: false, pending: 1 });

    mode = '429';
    await until(() => c.clock.pending().length === 1);
    c.clock.advance(4000);
    await until(() => times.length === 5);
    await until(() => c.clock.pending().length === 1);
    // Jitter would say 8 s; the server asked for 10.
    expect(c.clock.pending()[0]! - c.clock.now()).toBe(10_000);

    // Offline: the timer fires but no request is made.
    c.network.set(false);
    c.clock.advance(60_000);
    expect(times).toHaveLength(5);
    expect(c.status.online).toBe(false);
    await expect(c.sync()).rejects.toMatchObject({ code: 'network' });
    expect(times).toHaveLength(5);

    // Back online: immediately, with the backoff forgotten.
    mode = 'up';
    c.network.set(true);
    c.clock.advance(0);
    await until(() => c.status.pending === 0 && c.status.phase === 'idle' && c.status.error === null);
    expect(times.at(-1)).toBe(times[4]! + 60_000);
    // Quiet and healthy: the next run is the slow poll.
    await until(() => c.clock.pending().length === 1);
    expect(c.clock.pending()[0]! - c.clock.now()).toBe(30_000);
    await c.stop();
    expect(c.clock.pending()).toEqual([]);
  });

  test('local writes trigger a debounced push; writes during a cycle are not left for the poll', async () => {
    const c = scriptedClient(defaultAnswer);
    await c.start();
    c.clock.advance(0);
    await until(() => c.calls.some((x) => x.path === '/pull'));
    await until(() => c.status.phase === 'idle');
    await c.db.notes.insert({ title: 'a' });
    await until(() => c.clock.pending()[0] === c.clock.now() + 50);
    c.clock.advance(50);
    await until(() => c.pushes().length === 1 && c.status.pending === 0);
    await c.stop();
  });

  test('push debounce 0: a write starts its cycle without a timer; writes before it pushes share it', async () => {
    let held: (() => void) | null = null;
    let hold = false;
    const c = scriptedClient(
      async (call) => {
        if (hold && call.path === '/push') {
          hold = false;
          await new Promise<void>((r) => {
            held = r;
          });
        }
        return defaultAnswer(call);
      },
      { client: { pushDebounceMs: 0 } },
    );
    await c.start();
    c.clock.advance(0);
    await until(() => c.status.lastSyncedAt !== null && c.status.phase === 'idle');
    await c.db.notes.insert({ title: 'a' });
    // No clock advance: the push is on its way already.
    await until(() => c.pushes().length === 1 && c.status.pending === 0 && c.status.phase === 'idle');
    expect(c.clock.pending().every((at) => at - c.clock.now() === 30_000)).toBe(true);

    // Writes while a cycle pushes queue one more cycle, which sends them all in one push.
    const cycles = () => c.calls.filter((x) => x.path === '/pull').length;
    const before = cycles();
    hold = true;
    await c.db.notes.insert({ title: 'b' });
    await until(() => held !== null);
    for (const title of ['c', 'd', 'e']) await c.db.notes.insert({ title });
    (held as unknown as () => void)();
    await until(() => c.status.pending === 0 && c.status.phase === 'idle');
    await new Promise<void>((r) => setImmediate(r));
    expect(c.pushes().map((p) => p.mutations!.length)).toEqual([1, 1, 3]);
    expect(cycles() - before).toBe(2);
    await c.stop();
  });

  test('status: pushing → initial-sync with rising progress → idle; lastSyncedAt set', async () => {
    const pages = [
      ok({
        collections: {
          notes: {
            changes: [{ id: 'r1', version: 1, deletedAt: null, title: 'one' }],
            cursor: 'c1',
            hasMore: true,
            reset: false,
          },
        },
        remaining: 3,
      }),
      ok({
        collections: {
          notes: {
            changes: [
              { id: 'r2', version: 2, deletedAt: null, title: 'two' },
              { id: 'r3', version: 3, deletedAt: null, title: 'three' },
            ],
            cursor: 'c2',
            hasMore: true,
            reset: false,
          },
        },
        remaining: 1,
      }),
      ok({
        collections: {
          notes: {
            changes: [{ id: 'r4', version: 4, deletedAt: null, title: 'four' }],
            cursor: 'c3',
            hasMore: false,
            reset: false,
          },
        },
        remaining: 0,
      }),
    ];
    const c = scriptedClient((call) => (call.path === '/pull' ? pages.shift()! : defaultAnswer(call)));
    const log: Array<Pick<SyncStatus, 'phase' | 'progress'>> = [];
    c.subscribe((s) => log.push({ phase: s.phase, progress: s.progress }));
    await c.db.notes.insert({ title: 'mine' });
    await c.sync();
    expect(log.map((s) => `${s.phase}:${s.progress}`).filter((s, i, a) => s !== a[i - 1])).toEqual([
      'idle:null', // the insert: pending 0 → 1
      'pushing:null',
      'initial-sync:0',
      'initial-sync:0.25',
      'initial-sync:0.75',
      'initial-sync:1',
      'idle:null',
    ]);
    // The pushed record is checked once, with the first page (decision 0012).
    const pulls = c.calls.filter((x) => x.path === '/pull').map((x) => x.body!.collections);
    expect(pulls[0]).toMatchObject({ notes: { cursor: null } });
    expect(Object.keys((pulls[0]!.notes as unknown as { check: object }).check)).toHaveLength(1);
    expect(pulls.slice(1)).toEqual([{ notes: { cursor: 'c1' } }, { notes: { cursor: 'c2' } }]);
    expect(c.status.lastSyncedAt).toBe(c.clock.now());
    expect((await c.db.notes.find({})).map((r) => r.title)).toEqual(
      expect.arrayContaining(['one', 'two', 'three', 'four', 'mine']),
    );
  });
});

describe('sync({ signal }) behind a cycle in flight (background tasks with an OS deadline)', () => {
  test('aborted while waiting: rejects with aborted at once, sends nothing, and the waiting cycle never runs', async () => {
    let release: () => void = () => {};
    const held = new Promise<void>((resolve) => {
      release = resolve;
    });
    const c = scriptedClient(async (call) => {
      if (call.path === '/push') await held;
      return defaultAnswer(call);
    });
    await c.ready();
    await c.db.notes.insert({ title: 'a' });
    const foreground = c.sync();
    await until(() => c.calls.some((x) => x.path === '/push'));
    const controller = new AbortController();
    const background = c.sync({ signal: controller.signal });
    controller.abort();
    await expect(background).rejects.toMatchObject({ name: 'SynclineError', code: 'aborted' });
    const callsAtAbort = c.calls.length;
    release();
    await foreground;
    // The foreground cycle: one push, then its pull. The aborted sync added no cycle after it.
    await until(() => c.status.phase === 'idle');
    expect(c.calls.slice(callsAtAbort).map((x) => x.path)).toEqual(['/pull']);
    expect(c.status.pending).toBe(0);
  });

  test('an already aborted signal rejects without waiting or sending', async () => {
    const c = scriptedClient(defaultAnswer);
    await c.ready();
    await expect(c.sync({ signal: AbortSignal.abort() })).rejects.toMatchObject({ code: 'aborted' });
    expect(c.calls).toEqual([]);
  });
});
