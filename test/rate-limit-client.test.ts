/**
 * The client against a real rate-limited listener (SQLite, loopback): a 429 with `Retry-After`
 * is retried, not before the time the server asked for, and then syncs. The server's buckets and
 * the client's timers run on clocks the test moves; each step awaits the request it expects.
 */
import { createClient, createMemoryStore, fetchTransport, type Transport } from '@syncline/client';
import { manualClock, manualNetwork } from '@syncline/client/testing';
import { createJwtAuth, createSyncServer, listen, signDevToken } from '@syncline/server';
import { createSqliteStore } from '@syncline/server/sqlite';
import { afterEach, expect, test } from 'vitest';
import { testRules, testSchema } from './helpers/in-process.ts';
import { TEST_SECRET, tempDir } from './helpers/server.ts';

const cleanups: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

test('a 429 with Retry-After is retried after the time the server asked for, then the write syncs', async () => {
  const dir = tempDir('syncline-rate-');
  cleanups.push(() => dir.cleanup());
  const store = createSqliteStore({ path: `${dir.path}/server.db`, schema: testSchema });
  await store.migrate();
  let serverNow = 0;
  const server = createSyncServer({
    schema: testSchema,
    rules: testRules,
    store,
    auth: createJwtAuth({ secret: TEST_SECRET }),
  });
  const listener = await listen(server, {
    port: 0,
    // Three requests per user, then one every 2 s.
    rateLimit: { user: { perSecond: 0.5, burst: 3 }, now: () => serverNow },
  });
  cleanups.push(() => listener.close());

  // Every answer the client got, and a way to await the next one.
  const answers: Array<{ path: string; status: number; retryAfter: string | undefined; at: number }> = [];
  let waiting: { count: number; resolve: () => void } | null = null;
  const clock = manualClock(0);
  const wire = fetchTransport(`${listener.url}/sync`);
  const transport: Transport = {
    async request(path, init) {
      const res = await wire.request(path, init);
      answers.push({ path, status: res.status, retryAfter: res.headers['retry-after'], at: clock.now() });
      if (waiting && answers.length >= waiting.count) waiting.resolve();
      return res;
    },
  };
  const answered = (count: number) =>
    answers.length >= count
      ? Promise.resolve()
      : new Promise<void>((resolve) => (waiting = { count, resolve }));

  const token = await signDevToken(TEST_SECRET, 'alice', 3600);
  let ids = 0;
  const client = createClient({
    schema: testSchema,
    store: createMemoryStore(),
    transport,
    clock,
    network: manualNetwork(true),
    random: () => 0, // no jitter: the wait is the server's Retry-After
    ids: () => `note-${++ids}`,
    auth: { getToken: () => token },
    realtime: false,
    pushDebounceMs: 0,
  });
  cleanups.push(() => client.close());
  await client.ready();
  await client.sync(); // /info (never limited) and a pull: two requests left
  await client.db.notes.insert({ ownerId: 'alice', title: 'one', body: '' });
  await client.sync(); // a push and a pull: none left
  await client.db.notes.insert({ ownerId: 'alice', title: 'two', body: '' });
  await expect(client.sync()).rejects.toMatchObject({ code: 'rate_limited', retryable: true, status: 429 });
  expect(answers.map((a) => `${a.path} ${a.status}`)).toEqual([
    '/info 200',
    '/pull 200',
    '/push 200',
    '/pull 200',
    '/push 429',
  ]);
  expect(answers.at(-1)).toMatchObject({ retryAfter: '2' });

  // In the background the client waits those 2 s (no jitter would make it 0), not a moment less.
  await client.start();
  clock.advance(0); // the loop's first cycle is a timer of the client's clock
  await answered(answers.length + 1); // the first background cycle: still limited
  expect(answers.at(-1)).toMatchObject({ status: 429, retryAfter: '2' });
  const limitedAt = clock.now();
  await new Promise((resolve) => setImmediate(resolve));
  expect(clock.pending()).toEqual([limitedAt + 2000]);
  const before = answers.length;
  clock.advance(1999);
  expect(answers.length).toBe(before);
  serverNow += 4000; // the bucket has two requests again…
  clock.advance(1); // …and the client comes back: push the write
  await answered(before + 2);
  expect(answers.slice(before)).toMatchObject([
    { path: '/push', status: 200, at: limitedAt + 2000 },
    { path: '/pull', status: 200 },
  ]);
  await client.stop();
  expect(client.status.pending).toBe(0);
  expect((await client.db.notes.find({})).map((n) => n.title).sort()).toEqual(['one', 'two']);
});
