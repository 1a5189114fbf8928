import { describe, expect, test } from 'vitest';
import { defaultAnswer, ok, schema } from '../../test/scripted.ts';
import { createClient } from '../client.ts';
import { createMemoryDisk, createMemoryStore } from '../memory-store.ts';
import { manualNetwork } from '../network.ts';
import { nextTurn } from './pull.ts';

describe('pull: the request fetched ahead reaches the wire before the page is written', () => {
  test('a request that goes out after many promise steps (as fetch) goes before the write', async () => {
    const row = (id: string, version: number) => ({ id, version, deletedAt: null, title: id });
    const answers: Record<string, ReturnType<typeof ok>> = {
      null: ok({
        collections: { notes: { changes: [row('a', 1)], cursor: 'p1', hasMore: true, reset: false } },
        remaining: 1,
      }),
      p1: ok({
        collections: { notes: { changes: [row('b', 2)], cursor: 'p2', hasMore: false, reset: false } },
        remaining: 0,
      }),
    };
    const events: string[] = [];
    const client = createClient({
      schema,
      store: createMemoryStore(createMemoryDisk()),
      network: manualNetwork(true),
      ids: () => 'client-1',
      failpoint: async (name) => {
        if (name === 'pull:apply:before-commit') events.push('write');
      },
      transport: {
        async request(path, init) {
          if (path !== '/pull') return defaultAnswer({ path, token: null, body: init.body as never });
          const cursor = String(
            (init.body as { collections: Record<string, { cursor: string | null }> }).collections.notes
              ?.cursor,
          );
          // fetch() writes a request to its socket many promise steps after it is called; a store
          // that writes without yielding (better-sqlite3) would run first and hold it back.
          for (let i = 0; i < 200; i++) await Promise.resolve();
          events.push(`sent ${cursor}`);
          return answers[cursor]!;
        },
      },
    });
    await client.pull();
    expect(events).toEqual(['sent null', 'sent p1', 'write', 'write']);
    await client.close();
  });

  test('nextTurn lets a macrotask queued before it run first, and needs no clock', async () => {
    const order: string[] = [];
    setImmediate(() => order.push('queued'));
    await nextTurn();
    order.push('after');
    expect(order).toEqual(['queued', 'after']);
  });
});

describe('pull: the cursors of the last pull are kept in memory (decision 0034)', () => {
  const page = (cursor: string) =>
    ok({ collections: { notes: { changes: [], cursor, hasMore: false, reset: false } }, remaining: 0 });
  function setup(answer: (cursor: string | null) => string) {
    const store = createMemoryStore(createMemoryDisk());
    const events: string[] = [];
    // Marks every read of a cursor outside a write (what a pull did before its request).
    const read = store.read.bind(store);
    store.read = (fn) =>
      read((tx) =>
        fn(
          Object.assign(Object.create(tx) as typeof tx, {
            getMeta: (key: string) => {
              if (key.startsWith('cursor:')) events.push('read cursor');
              return tx.getMeta(key);
            },
          }),
        ),
      );
    const client = createClient({
      schema,
      store,
      network: manualNetwork(true),
      ids: () => 'client-1',
      transport: {
        async request(path, init) {
          if (path !== '/pull') return defaultAnswer({ path, token: null, body: init.body as never });
          const body = init.body as { collections: Record<string, { cursor: string | null }> };
          const cursor = body.collections.notes?.cursor ?? null;
          events.push(`sent ${cursor}`);
          return page(answer(cursor));
        },
      },
    });
    return { store, events, client };
  }

  test('a pull after a pull sends the committed cursor without reading the store first', async () => {
    const { events, client } = setup((c) => (c === null ? 'c1' : `${c}+`));
    await client.pull();
    events.length = 0;
    await client.pull();
    await client.pull();
    expect(events).toEqual(['sent c1', 'sent c1+']);
    await client.close();
  });

  test.each([false, true])(
    'another writer changed the cursor: the page is not applied and the pull starts again from the store (store wraps errors: %s)',
    async (wraps) => {
      const { store, events, client } = setup((c) => (c === null ? 'c1' : `${c}+`));
      if (wraps) {
        // A LocalStore may rethrow its callback's error as its own.
        const write = store.write.bind(store);
        store.write = (fn) =>
          write(fn).catch((e: unknown) => {
            throw new Error('storage failed', { cause: e });
          });
      }
      await client.pull();
      // A second tab (or a background task) pulled meanwhile and stored its own cursor.
      await store.write((tx) => tx.setMeta('cursor:notes', 'other'));
      events.length = 0;
      await client.pull();
      expect(events.filter((e) => e.startsWith('sent'))).toEqual(['sent c1', 'sent other']);
      expect(await store.read((tx) => tx.getMeta('cursor:notes'))).toBe('other+');
      await client.close();
    },
  );
});

test('pull: a page without revocations leaves the outbox alone, so the pending count is not read again', async () => {
  const store = createMemoryStore(createMemoryDisk());
  let counts = 0;
  const read = store.read.bind(store);
  store.read = (fn) =>
    read((tx) =>
      fn(
        Object.assign(Object.create(tx) as typeof tx, {
          outboxCount: () => {
            counts++;
            return tx.outboxCount();
          },
        }),
      ),
    );
  const row = { id: 'a', version: 1, deletedAt: null, title: 'a' };
  const client = createClient({
    schema,
    store,
    network: manualNetwork(true),
    ids: () => 'client-1',
    transport: {
      async request(path, init) {
        if (path !== '/pull') return defaultAnswer({ path, token: null, body: init.body as never });
        return ok({
          collections: { notes: { changes: [row], cursor: 'c1', hasMore: false, reset: false } },
          remaining: 0,
        });
      },
    },
  });
  await client.pull();
  await new Promise((resolve) => setTimeout(resolve, 10));
  const before = counts;
  await client.pull();
  await new Promise((resolve) => setTimeout(resolve, 10));
  // Only the one `pull()` itself ends with; none for the page.
  expect(counts - before).toBe(1);
  await client.close();
});
