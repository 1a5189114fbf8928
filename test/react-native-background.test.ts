/**
 * Issue 16, done-when 2: the React Native background helper finishes within its budget and
 * reports completion in every path — success, offline, server error, a server hanging past the
 * budget, token refresh failure, a foreground sync already running — against a real sync server
 * (or a real loopback server that fails or never answers), with fakes of the OS modules
 * (`react-native-background-fetch`, `expo-background-task`), named as fakes below. Time is a
 * manual clock shared by the client and the helper: the budget fires when the test advances it.
 */
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import {
  createClient,
  createMemoryStore,
  fetchTransport,
  type SynclineClient,
  type Transport,
} from '@syncline/client';
import { createMemoryDisk, type MemoryDisk, manualClock, manualNetwork } from '@syncline/client/testing';
import {
  type BackgroundFetchLike,
  type BackgroundSyncRecord,
  configureBackgroundFetch,
  createBackgroundSync,
  expoBackgroundTask,
  type KeyValueStorage,
} from '@syncline/react-native';
import { afterAll, afterEach, beforeAll, describe, expect, test } from 'vitest';
import { e2eRules, e2eSchema } from './helpers/schema.ts';
import { startServer, tempDir } from './helpers/server.ts';

const BUDGET = 25_000;
const GRACE = 2_000;
/** iOS's background fetch window: every run must report completion before it ends. */
const IOS_WINDOW = 30_000;

const dir = tempDir('syncline-rn-');
let srv: Awaited<ReturnType<typeof startServer>>;
let alice: string;
beforeAll(async () => {
  srv = await startServer({ dbPath: join(dir.path, 'server.db'), schema: e2eSchema, rules: e2eRules });
  alice = await srv.token('alice');
});
afterAll(async () => {
  await srv?.close();
  dir.cleanup();
});

/** Loopback HTTP servers of one test: one that never answers, or one that fails every request. */
const servers: Server[] = [];
const clients: Array<SynclineClient<typeof e2eSchema>> = [];
afterEach(async () => {
  for (const c of clients.splice(0)) await c.close().catch(() => undefined);
  for (const s of servers.splice(0)) {
    s.closeAllConnections();
    await new Promise((resolve) => s.close(resolve));
  }
});

async function loopback(handle: (req: IncomingMessage, res: import('node:http').ServerResponse) => void) {
  const received: string[] = [];
  let onRequest: () => void = () => {};
  const server = createServer((req, res) => {
    received.push(`${req.method} ${req.url}`);
    onRequest();
    handle(req, res);
  });
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/sync`,
    received,
    /** Resolves once the server has received `n` requests in total. */
    requests: (n: number) =>
      new Promise<void>((resolve) => {
        const check = () => {
          if (received.length >= n) resolve();
        };
        onRequest = check;
        check();
      }),
  };
}

/** Wraps a transport to count the requests in flight at once (two syncs would make it 2). */
function counting(inner: Transport) {
  const stats = { inFlight: 0, max: 0, total: 0 };
  const transport: Transport = {
    async request(path, init) {
      stats.total++;
      stats.inFlight++;
      stats.max = Math.max(stats.max, stats.inFlight);
      try {
        return await inner.request(path, init);
      } finally {
        stats.inFlight--;
      }
    },
  };
  return { transport, stats };
}

function setup(opts: {
  url?: string;
  transport?: Transport;
  disk?: MemoryDisk;
  online?: boolean;
  getToken?: (o: { forceRefresh: boolean }) => Promise<string | null> | string | null;
}) {
  const clock = manualClock(Date.parse('2026-12-01T03:00:00Z'));
  const network = manualNetwork(opts.online ?? true);
  const disk = opts.disk ?? createMemoryDisk();
  const { transport, stats } = counting(opts.transport ?? fetchTransport(opts.url ?? srv.url));
  const client = createClient({
    schema: e2eSchema,
    store: createMemoryStore(disk),
    transport,
    clock,
    network,
    realtime: false,
    auth: { getToken: opts.getToken ?? (() => alice) },
  });
  clients.push(client);
  const background = createBackgroundSync({ client, clock, budgetMs: BUDGET, graceMs: GRACE });
  return { clock, network, disk, client, background, stats };
}

/** A fake of `react-native-background-fetch`'s default export: the test fires the OS's events. */
function fakeBackgroundFetch() {
  let onEvent: (taskId: string) => void | Promise<void> = () => {};
  let onTimeout: ((taskId: string) => void) | undefined;
  const finished: string[] = [];
  const fake: BackgroundFetchLike = {
    async configure(_config, event, timeout) {
      onEvent = event;
      onTimeout = timeout;
      return 2; // STATUS_AVAILABLE
    },
    finish: (taskId) => {
      finished.push(taskId);
    },
  };
  return {
    fake,
    finished,
    /** The OS wakes the app: resolves when the handler has returned. */
    fire: (taskId: string) => Promise.resolve(onEvent(taskId)),
    /** The OS says the task's time is up. */
    timeout: (taskId: string) => onTimeout?.(taskId),
  };
}

/** A fake of `expo-background-task`'s `BackgroundTaskResult` enum (its documented values). */
const fakeExpoResult = { Success: 1, Failed: 2 } as const;

async function fetchTask(s: ReturnType<typeof setup>) {
  const os = fakeBackgroundFetch();
  expect(await configureBackgroundFetch(os.fake, s.background)).toBe(2);
  return os;
}

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

describe('background sync through a fake expo-background-task', () => {
  test('returns the fake BackgroundTaskResult.Success after a sync', async () => {
    const s = setup({});
    await s.client.ready();
    await s.client.db.notes.insert({ ownerId: 'alice', title: 'Expo' });
    const task = expoBackgroundTask(s.background, fakeExpoResult);
    expect(await task()).toBe(fakeExpoResult.Success);
  });

  test('returns Failed within the budget when the server hangs (Expo has no timeout callback)', async () => {
    const hanging = await loopback(() => {});
    const s = setup({ url: hanging.url });
    await s.client.ready();
    await s.client.db.notes.insert({ ownerId: 'alice', title: 'Expo hang' });
    const task = expoBackgroundTask(s.background, fakeExpoResult);
    const start = s.clock.now();
    const result = task();
    await hanging.requests(1);
    s.clock.advance(BUDGET);
    expect(await result).toBe(fakeExpoResult.Failed);
    expect(s.clock.now() - start).toBeLessThan(IOS_WINDOW);
  });

  test('returns Failed offline and after a refused token', async () => {
    const offline = setup({ online: false });
    expect(await expoBackgroundTask(offline.background, fakeExpoResult)()).toBe(fakeExpoResult.Failed);
    const refused = setup({
      getToken: ({ forceRefresh }) => {
        if (forceRefresh) throw new Error('refresh failed');
        return 'bad';
      },
    });
    expect(await expoBackgroundTask(refused.background, fakeExpoResult)()).toBe(fakeExpoResult.Failed);
  });
});

describe('bounded even when the sync ignores its signal', () => {
  test('a fake client whose sync never settles: the run resolves budget + grace after it started', async () => {
    const clock = manualClock(0);
    const fakeClient = { sync: () => new Promise<void>(() => {}) };
    const background = createBackgroundSync({ client: fakeClient, clock, budgetMs: BUDGET, graceMs: GRACE });
    let record: BackgroundSyncRecord | null = null;
    const run = background.run().then((r) => {
      record = r;
    });
    clock.advance(BUDGET);
    await Promise.resolve();
    expect(record).toBeNull();
    clock.advance(GRACE);
    await run;
    expect(record).toMatchObject({ outcome: 'timed-out', finishedAt: BUDGET + GRACE });
    expect(BUDGET + GRACE).toBeLessThan(IOS_WINDOW);
  });
});

describe('what the background did reaches the app', () => {
  test('the last record is kept in storage (a fake AsyncStorage) and loaded by the next process', async () => {
    const items = new Map<string, string>();
    const fakeAsyncStorage: KeyValueStorage = {
      getItem: async (k) => items.get(k) ?? null,
      setItem: async (k, v) => {
        items.set(k, v);
      },
    };
    const s = setup({});
    const background = createBackgroundSync({ client: s.client, clock: s.clock, storage: fakeAsyncStorage });
    const seen: BackgroundSyncRecord[] = [];
    background.subscribe((r) => seen.push(r));
    const record = await background.run();
    expect(seen).toEqual([record]);
    const nextProcess = createBackgroundSync({ client: s.client, storage: fakeAsyncStorage });
    expect(nextProcess.last).toBeNull();
    expect(await nextProcess.load()).toEqual(record);
  });

  test('a rejection found by a headless background run reaches the app exactly once when it comes back, through the stored list', async () => {
    const disk = createMemoryDisk();
    const headless = setup({ disk });
    await headless.client.ready();
    // Alice may not write Bob's notes: the server refuses the change (forbidden).
    await headless.client.db.notes.insert({ ownerId: 'bob', title: 'Not mine' });
    const os = await fetchTask(headless);
    await os.fire('task-rejected');
    expect(os.finished).toEqual(['task-rejected']);
    expect(headless.background.last).toMatchObject({ outcome: 'synced', pending: 0 });
    await headless.client.close();

    // The app comes back (a new process on the same database): the stored list has it once.
    const app = setup({ disk });
    const events: string[] = [];
    app.client.on('rejected', (r) => events.push(r.key));
    await app.client.start();
    const listed = await app.client.rejections();
    expect(listed).toEqual([expect.objectContaining({ code: 'forbidden', collection: 'notes' })]);
    expect(listed[0]?.message).toMatch(/not allowed/);
    // Announced by the headless run already: no second `rejected` event; the list is the channel.
    expect(events).toEqual([]);
    await app.client.dismiss(listed[0]!.key);
    expect(await app.client.rejections()).toEqual([]);
    await app.client.stop();
    const again = setup({ disk });
    await again.client.ready();
    expect(await again.client.rejections()).toEqual([]);
  });
});
