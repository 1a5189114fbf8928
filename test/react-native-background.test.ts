/**
 * Issue 16, done-when 2: the React Native background helper finishes within its budget and
 * reports completion in every path — success, offline, server error, a server hanging past the
 * budget, token refresh failure, a foreground sync already running — against a real sync server
 * (or a real loopback server that fails or never answers), with fakes of the OS modules
 * (`react-native-background-fetch`, `expo-background-task`), named as fakes. Time is a manual
 * clock shared by the client and the helper: the budget fires when the test advances it. This
 * file: react-native-background-fetch; the Expo task, a sync that ignores its signal, and what
 * reaches the app: test/react-native-background-expo.test.ts.
 */
import { fetchTransport, type Transport } from '@syncline/client';
import { describe, expect, test } from 'vitest';
import { BUDGET, fetchTask, IOS_WINDOW, loopback, setup, srv } from './helpers/rn-background.ts';

describe('background sync through a fake react-native-background-fetch', () => {
  test('success: the outbox drains, finish(taskId) is called once, the record says synced', async () => {
    const s = setup({});
    await s.client.ready();
    await s.client.db.notes.insert({ ownerId: 'alice', title: 'Milk' });
    const os = await fetchTask(s);
    const start = s.clock.now();
    await os.fire('task-1');
    expect(os.finished).toEqual(['task-1']);
    expect(s.background.last).toMatchObject({ outcome: 'synced', error: null, pending: 0, startedAt: start });
    expect(s.clock.now() - start).toBeLessThan(IOS_WINDOW);
    const check = setup({});
    await check.client.sync();
    expect((await check.client.db.notes.find({})).map((n) => n.title)).toEqual(['Milk']);
  });

  test('offline: no request is made, finish is called, the record says offline', async () => {
    const s = setup({ online: false });
    await s.client.ready();
    await s.client.db.notes.insert({ ownerId: 'alice', title: 'Offline' });
    const os = await fetchTask(s);
    await os.fire('task-offline');
    expect(os.finished).toEqual(['task-offline']);
    expect(s.stats.total).toBe(0);
    expect(s.background.last).toMatchObject({ outcome: 'offline', error: { code: 'network' }, pending: 1 });
  });

  test('server error: a loopback server answering 500 — failed, finish called, the change stays queued', async () => {
    const failing = await loopback((_req, res) => {
      res.writeHead(500, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ error: { code: 'internal', message: 'database down' } }));
    });
    const s = setup({ url: failing.url });
    await s.client.ready();
    await s.client.db.notes.insert({ ownerId: 'alice', title: 'Kept' });
    const os = await fetchTask(s);
    await os.fire('task-500');
    expect(os.finished).toEqual(['task-500']);
    expect(failing.received.length).toBeGreaterThan(0);
    expect(s.background.last).toMatchObject({ outcome: 'failed', error: { code: 'internal' }, pending: 1 });
  });

  test('a server hanging past the budget: a real loopback server that never answers — aborted at the budget, finish called before the iOS window ends, the outbox intact and pushed once later', async () => {
    const hanging = await loopback(() => {});
    const s = setup({ url: hanging.url });
    await s.client.ready();
    const note = await s.client.db.notes.insert({ ownerId: 'alice', title: 'Hung' });
    const os = await fetchTask(s);
    const start = s.clock.now();
    const handled = os.fire('task-hang');
    await hanging.requests(1);
    expect(os.finished).toEqual([]);
    s.clock.advance(BUDGET);
    await handled;
    expect(os.finished).toEqual(['task-hang']);
    expect(s.clock.now() - start).toBe(BUDGET);
    expect(s.background.last).toMatchObject({ outcome: 'timed-out', error: { code: 'aborted' }, pending: 1 });
    // The same device, later, against the real server: the change is pushed once, as written.
    const later = setup({ disk: s.disk });
    await later.client.sync();
    expect(later.client.status.pending).toBe(0);
    expect(await later.client.rejections()).toEqual([]);
    const check = setup({});
    await check.client.sync();
    expect(await check.client.db.notes.find({ where: { title: 'Hung' } })).toEqual([
      expect.objectContaining({ id: note.id, title: 'Hung', ownerId: 'alice' }),
    ]);
  });

  test("the OS's onTimeout finishes the task at once and aborts the sync; finish is not called twice", async () => {
    const hanging = await loopback(() => {});
    const s = setup({ url: hanging.url });
    await s.client.ready();
    await s.client.db.notes.insert({ ownerId: 'alice', title: 'Cut short' });
    const os = await fetchTask(s);
    const handled = os.fire('task-os-timeout');
    await hanging.requests(1);
    os.timeout('task-os-timeout');
    expect(os.finished).toEqual(['task-os-timeout']);
    await handled;
    expect(os.finished).toEqual(['task-os-timeout']);
    expect(s.background.last).toMatchObject({ outcome: 'timed-out', pending: 1 });
  });

  test('token refresh failure: the refresh throws — failed, finish called', async () => {
    const s = setup({
      getToken: ({ forceRefresh }) => {
        if (forceRefresh) throw new Error('refresh token expired');
        return 'not-a-valid-token';
      },
    });
    await s.client.ready();
    await s.client.db.notes.insert({ ownerId: 'alice', title: 'Needs sign-in' });
    const os = await fetchTask(s);
    await os.fire('task-auth');
    expect(os.finished).toEqual(['task-auth']);
    expect(s.background.last?.outcome).toBe('failed');
    expect(s.background.last?.pending).toBe(1);
  });

  test('a foreground sync already running and hanging: the task waits, never sends a second request, and is finished at the budget', async () => {
    const hanging = await loopback(() => {});
    const s = setup({ url: hanging.url });
    await s.client.ready();
    await s.client.db.notes.insert({ ownerId: 'alice', title: 'Foreground' });
    await s.client.start();
    s.clock.advance(0); // the foreground loop's first cycle starts and its request hangs
    await hanging.requests(1);
    const os = await fetchTask(s);
    const handled = os.fire('task-busy');
    s.clock.advance(BUDGET);
    await handled;
    expect(os.finished).toEqual(['task-busy']);
    expect(hanging.received).toHaveLength(1);
    expect(s.stats.max).toBe(1);
    expect(s.background.last).toMatchObject({ outcome: 'timed-out', error: { code: 'aborted' } });
    await s.client.stop();
  });

  test('a foreground sync already running that completes: the task runs its own cycle after it, one request at a time', async () => {
    let release: () => void = () => {};
    const gate = new Promise<void>((resolve) => {
      release = resolve;
    });
    let first = true;
    const inner = fetchTransport(srv.url);
    let heldStarted: () => void = () => {};
    const held = new Promise<void>((resolve) => {
      heldStarted = resolve;
    });
    const gated: Transport = {
      async request(path, init) {
        if (first) {
          first = false;
          heldStarted();
          await gate;
        }
        return inner.request(path, init);
      },
    };
    const s = setup({ transport: gated });
    await s.client.ready();
    await s.client.db.notes.insert({ ownerId: 'alice', title: 'Both' });
    await s.client.start();
    s.clock.advance(0);
    await held;
    const os = await fetchTask(s);
    const handled = os.fire('task-after-foreground');
    release();
    await handled;
    expect(os.finished).toEqual(['task-after-foreground']);
    expect(s.stats.max).toBe(1);
    expect(s.background.last).toMatchObject({ outcome: 'synced', pending: 0 });
    await s.client.stop();
  });

  test('two events at once share one sync, and each task is finished', async () => {
    const s = setup({});
    await s.client.ready();
    await s.client.db.notes.insert({ ownerId: 'alice', title: 'Twice' });
    const os = await fetchTask(s);
    await Promise.all([os.fire('a'), os.fire('b')]);
    expect(os.finished.sort()).toEqual(['a', 'b']);
    expect(s.stats.max).toBe(1);
  });
});
