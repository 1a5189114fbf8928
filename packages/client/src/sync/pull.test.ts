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
