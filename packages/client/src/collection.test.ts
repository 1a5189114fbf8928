import { describe, expect, test } from 'vitest';
import { defaultAnswer, emptyPull, ok, schema, scriptedClient } from '../test/scripted.ts';
import { createClient } from './client.ts';
import { MAX_RECORD_BYTES } from './local/ops.ts';
import { createMemoryDisk, createMemoryStore } from './memory-store.ts';
import { manualNetwork } from './network.ts';

async function until(cond: () => boolean): Promise<void> {
  for (let i = 0; i < 2000 && !cond(); i++) await new Promise<void>((r) => setImmediate(r));
  expect(cond()).toBe(true);
}

describe('local writes and live queries (no network needed)', () => {
  test('writes validate locally, return the committed row, and never touch the network', async () => {
    const c = scriptedClient(() => {
      throw new Error('no request expected');
    });
    c.network.set(false);
    const row = await c.db.notes.insert({ title: 'a' });
    expect(row).toEqual({
      id: 'id-2',
      version: 0,
      updatedAt: null,
      updatedBy: null,
      deletedAt: null,
      title: 'a',
    });
    expect(await c.db.notes.update(row.id, { title: 'b' })).toMatchObject({ title: 'b', version: 0 });
    await expect(c.db.notes.insert({ title: 3 as unknown as string })).rejects.toMatchObject({
      code: 'invalid',
    });
    await expect(c.db.notes.insert({ title: 'x'.repeat(300 * 1024) })).rejects.toMatchObject({
      code: 'invalid',
    });
    await expect(c.db.notes.update('missing', { title: 'x' })).rejects.toMatchObject({ code: 'not_found' });
    await expect(c.db.notes.insert({ id: row.id, title: 'dup' })).rejects.toMatchObject({ code: 'conflict' });
    await c.db.notes.delete(row.id);
    expect(await c.db.notes.get(row.id)).toBeNull();
    expect(c.status.pending).toBe(3);
    expect(c.calls).toEqual([]);
  });

  test('the size limit counts JSON bytes: escapes and multi-byte text, and an update merged with its row', async () => {
    const c = scriptedClient(() => {
      throw new Error('no request expected');
    });
    c.network.set(false);
    // 50,000 characters, but 300,000 bytes of JSON (each is written \u0001): refused.
    await expect(c.db.notes.insert({ title: '\u0001'.repeat(50_000) })).rejects.toMatchObject({
      code: 'invalid',
      message: /bytes of JSON/,
    });
    // 100,000 characters of 2 bytes each: 200,000 bytes, under the limit.
    const row = await c.db.notes.insert({ title: 'é'.repeat(100_000) });
    await expect(c.db.notes.update(row.id, { title: 'b'.repeat(MAX_RECORD_BYTES) })).rejects.toMatchObject({
      code: 'invalid',
    });
    await expect(
      c.db.notes.insertMany([{ title: 'ok' }, { title: '"'.repeat(MAX_RECORD_BYTES / 2) }]),
    ).rejects.toMatchObject({ code: 'invalid', details: { index: 1 } });
    expect(c.status.pending).toBe(1);
  });

  test('text a server store cannot keep exactly is refused at write time, with a clear error', async () => {
    const c = scriptedClient(() => {
      throw new Error('no request expected');
    });
    c.network.set(false);
    const row = await c.db.notes.insert({ title: 'ok' });
    for (const write of [
      () => c.db.notes.insert({ id: '\ud800-x', title: 'a' }),
      () => c.db.notes.insert({ id: 'a\u0000b', title: 'a' }),
      () => c.db.notes.insert({ title: 'lone \udc00' }),
      () => c.db.notes.insert({ title: 'nul \u0000' }),
      () => c.db.notes.update(row.id, { title: '\ud83e' }),
      () => c.db.notes.update('\ud800', { title: 'x' }),
      () => c.db.notes.delete('a\u0000'),
      () => c.db.notes.insert(JSON.parse('{"title":"a","__proto__":{"x":1}}')),
    ]) {
      await expect(write()).rejects.toMatchObject({ code: 'invalid', message: /U\+0000|unpaired|reserved/ });
    }
    expect(await c.db.notes.insert({ id: '0190-🥛', title: '牛奶 🥛' })).toMatchObject({ id: '0190-🥛' });
    expect(c.status.pending).toBe(2);
  });

  test('watch delivers the current result, then only changed results, and stops on unsubscribe', async () => {
    const c = scriptedClient(defaultAnswer);
    const seen: string[][] = [];
    const stop = c.db.notes.watch({ orderBy: [['title', 'asc']] }, (rows) =>
      seen.push(rows.map((r) => r.title)),
    );
    await until(() => seen.length === 1);
    const a = await c.db.notes.insert({ title: 'b' });
    await c.db.notes.insert({ title: 'a' });
    await until(() => seen.at(-1)?.length === 2);
    await c.sync(); // acknowledgements change versions, not the watched titles… but rows differ
    await c.db.notes.update(a.id, { title: 'c' });
    await until(() => seen.at(-1)?.join() === 'a,c');
    const count = seen.length;
    stop();
    await c.db.notes.delete(a.id);
    await c.sync();
    expect(seen.length).toBe(count);
    expect(seen[0]).toEqual([]);
  });

  test("a failing watch reports to its onError, or else to the client's error event", async () => {
    const c = scriptedClient(defaultAnswer);
    const events: unknown[] = [];
    c.on('error', (e) => events.push(e));
    const mine: unknown[] = [];
    const bad = { where: { colour: 'red' } } as never;
    const stop = c.db.notes.watch(
      bad,
      () => undefined,
      (e) => mine.push(e),
    );
    await until(() => mine.length === 1);
    expect(mine[0]).toMatchObject({ code: 'invalid', message: expect.stringContaining('"colour"') });
    expect(events).toEqual([]);
    stop();
    c.db.notes.watch(bad, () => undefined);
    await until(() => events.length === 1);
    expect(events[0]).toMatchObject({ code: 'invalid' });
  });
});

/**
 * A scripted pull server: answer i is served to a request whose `notes` cursor is the cursor of
 * answer i-1 (null for the first), so a page asked for twice (fetched ahead, then lost to a
 * crash) gets the same answer twice.
 */
function answersByCursor<T extends { body: unknown }>(answers: T[]): (cursor: string | null) => T {
  return (cursor) => {
    const i =
      cursor === null
        ? 0
        : answers.findIndex(
            (a) =>
              (a.body as { collections: { notes: { cursor: string } } }).collections.notes.cursor === cursor,
          ) + 1;
    const answer = cursor !== null && i === 0 ? undefined : answers[i];
    if (!answer) throw new Error(`no scripted page after cursor ${cursor}`);
    return answer;
  };
}

describe('pull pipelining', () => {
  test('the next page is requested while the previous one is written, at most one page ahead', async () => {
    const row = (id: string, version: number) => ({ id, version, deletedAt: null, title: id });
    const page = (id: string, version: number, cursor: string, hasMore: boolean) =>
      ok({
        collections: { notes: { changes: [row(id, version)], cursor, hasMore, reset: false } },
        remaining: hasMore ? 1 : 0,
      });
    const pages = answersByCursor([
      page('a', 1, 'p1', true),
      page('b', 2, 'p2', true),
      page('c', 3, 'p3', false),
    ]);
    const events: string[] = [];
    let askedP1!: () => void;
    const p1Asked = new Promise<void>((resolve) => {
      askedP1 = resolve;
    });
    const client = createClient({
      schema,
      store: createMemoryStore(createMemoryDisk()),
      network: manualNetwork(true),
      ids: () => 'client-1',
      failpoint: async (name) => {
        if (name !== 'pull:apply:before-commit') return;
        events.push('commit');
        // Without pipelining the first page's write would wait here forever.
        if (events.length === 2) await p1Asked;
      },
      transport: {
        async request(path, init) {
          if (path !== '/pull') return defaultAnswer({ path, token: null, body: init.body as never });
          const cursor =
            (init.body as { collections: Record<string, { cursor: string | null }> }).collections.notes
              ?.cursor ?? null;
          events.push(`ask ${cursor}`);
          if (cursor === 'p1') askedP1();
          return pages(cursor);
        },
      },
    });
    await client.pull();
    // p2 is asked for only after page 1 is written: never more than one page ahead.
    expect(events.filter((e) => e !== 'ask p1')).toEqual([
      'ask null',
      'commit',
      'ask p2',
      'commit',
      'commit',
    ]);
    expect((await client.db.notes.find({})).map((r) => r.id)).toEqual(['a', 'b', 'c']);
    await client.close();
  });
});

describe('reset with scripted transport', () => {
  test('a crash mid-reset resumes from the stored cursor with marks intact, then sweeps', async () => {
    const disk = createMemoryDisk();
    const row = (id: string, version: number) => ({ id, version, deletedAt: null, title: id });
    const pulls: Array<Record<string, { cursor: string | null }>> = [];
    // Answered by the cursor asked for, like a server: a page fetched ahead and then dropped by a
    // crash is asked for again after the restart.
    const pages = answersByCursor([
      ok({
        collections: {
          notes: {
            changes: [row('r1', 1), row('r2', 2), row('r3', 3), row('r4', 4)],
            cursor: 'c0',
            hasMore: false,
            reset: false,
          },
        },
        remaining: 0,
      }),
      ok({
        collections: { notes: { changes: [row('r1', 1)], cursor: 'p1', hasMore: true, reset: true } },
        remaining: 1,
      }),
      ok({
        collections: { notes: { changes: [row('r3', 3)], cursor: 'p2', hasMore: false, reset: false } },
        remaining: 0,
      }),
    ]);
    const make = (crashAfterPage: boolean) => {
      const resets: string[] = [];
      let pagesSeen = 0;
      const client = createClient({
        schema,
        store: createMemoryStore(disk),
        network: manualNetwork(true),
        ids: () => 'client-1',
        failpoint: (name) => {
          if (name === 'pull:after-page' && crashAfterPage && ++pagesSeen === 2) throw new Error('crash');
        },
        transport: {
          async request(path, init) {
            if (path !== '/pull') return defaultAnswer({ path, token: null, body: init.body as never });
            const asked = (init.body as { collections: Record<string, { cursor: string | null }> })
              .collections;
            pulls.push(asked);
            return pages(asked.notes?.cursor ?? null);
          },
        },
      });
      client.on('reset', (r) => resets.push(r.collection));
      return Object.assign(client, { resets });
    };
    const first = make(true);
    await first.sync();
    await first.db.notes.update('r2', { title: 'pending edit' });
    await expect(first.pull()).rejects.toMatchObject({ code: 'internal', cause: new Error('crash') });
    // Killed mid-reset: nothing was swept, the pending edit is intact.
    expect((await first.db.notes.find({})).map((r) => r.id)).toEqual(['r1', 'r2', 'r3', 'r4']);
    expect(first.resets).toEqual([]);

    expect(pulls.slice(0, 2).map((p) => p.notes!.cursor)).toEqual([null, 'c0']);
    pulls.length = 0;
    const second = make(false);
    await second.pull();
    // Resumed from the cursor stored with the last applied page.
    expect(pulls.map((p) => p.notes!.cursor)).toEqual(['p1']);
    expect(second.resets).toEqual(['notes']);
    // r4 was not re-sent: swept. r2 was not re-sent but has a pending edit: kept.
    expect((await second.db.notes.find({})).map((r) => [r.id, r.title])).toEqual([
      ['r1', 'r1'],
      ['r2', 'pending edit'],
      ['r3', 'r3'],
    ]);
  });

  test('a record acknowledged during an interrupted reset is not swept by it', async () => {
    const disk = createMemoryDisk();
    const row = (id: string, version: number) => ({ id, version, deletedAt: null, title: id });
    const pages = answersByCursor([
      ok({
        collections: {
          notes: { changes: [row('r1', 1), row('r2', 2)], cursor: 'c0', hasMore: false, reset: false },
        },
        remaining: 0,
      }),
      ok({
        collections: { notes: { changes: [row('r1', 1)], cursor: 'p1', hasMore: true, reset: true } },
        remaining: 1,
      }),
      // The resumed reset's last page predates the push below (an older transaction held it back).
      ok({
        collections: { notes: { changes: [], cursor: 'p2', hasMore: false, reset: false } },
        remaining: 0,
      }),
    ]);
    const make = (crashAfterPage: boolean) => {
      let pagesSeen = 0;
      return createClient({
        schema,
        store: createMemoryStore(disk),
        network: manualNetwork(true),
        ids: () => 'client-1',
        failpoint: (name) => {
          if (name === 'pull:after-page' && crashAfterPage && ++pagesSeen === 2) throw new Error('crash');
        },
        transport: {
          async request(path, init) {
            if (path !== '/pull') return defaultAnswer({ path, token: null, body: init.body as never });
            const asked = (init.body as { collections: Record<string, { cursor: string | null }> })
              .collections;
            return pages(asked.notes?.cursor ?? null);
          },
        },
      });
    };
    const first = make(true);
    await first.sync();
    await first.db.notes.update('r2', { title: 'saved edit' });
    await expect(first.pull()).rejects.toMatchObject({ code: 'internal' });

    // Restart: the push acknowledges r2 (pending drops to 0), then the reset finishes and sweeps.
    const second = make(false);
    await second.sync();
    expect(await second.isPending('r2')).toBe(false);
    expect((await second.db.notes.find({})).map((r) => [r.id, r.title])).toEqual([
      ['r1', 'r1'],
      ['r2', 'saved edit'],
    ]);
  });

  test('during a reset the server is authoritative: an older delivered version replaces the base, pending edits stay on top', async () => {
    const row = (id: string, version: number, title = id) => ({ id, version, deletedAt: null, title });
    const pushes: Array<Array<{ id: string; baseVersion?: number }>> = [];
    const pages = [
      ok({
        collections: {
          notes: {
            changes: [row('r1', 11, 'lost'), row('r2', 12, 'lost'), row('r3', 13)],
            cursor: 'c0',
            hasMore: false,
            reset: false,
          },
        },
        remaining: 0,
      }),
      // The server was restored from a backup: its r1 and r2 are older than what the client holds.
      ok({
        collections: {
          notes: {
            changes: [row('r1', 1, 'restored'), row('r2', 2, 'restored')],
            cursor: 'p1',
            hasMore: false,
            reset: true,
          },
        },
        remaining: 0,
      }),
      // Outside a reset an older version changes nothing (invariant 5 still holds).
      ok({
        collections: {
          notes: { changes: [row('r1', 0, 'stale')], cursor: 'p2', hasMore: false, reset: false },
        },
        remaining: 0,
      }),
    ];
    const client = createClient({
      schema,
      store: createMemoryStore(),
      network: manualNetwork(true),
      ids: () => 'client-1',
      transport: {
        async request(path, init) {
          if (path === '/push')
            pushes.push((init.body as { mutations: Array<{ id: string; baseVersion?: number }> }).mutations);
          if (path !== '/pull') return defaultAnswer({ path, token: null, body: init.body as never });
          return pages.shift() ?? emptyPull('p3');
        },
      },
    });
    await client.pull();
    await client.db.notes.update('r2', { title: 'pending edit' });
    await client.pull();
    expect((await client.db.notes.find({})).map((r) => [r.id, r.version, r.title])).toEqual([
      ['r1', 1, 'restored'],
      ['r2', 2, 'pending edit'],
    ]);
    await client.pull();
    expect(await client.db.notes.get('r1')).toMatchObject({ version: 1, title: 'restored' });
    // The pending edit still carries the version the user edited: the server decides about it.
    await client.sync();
    expect(pushes[0]?.map((m) => [m.id, m.baseVersion])).toEqual([['r2', 12]]);
  });
});
