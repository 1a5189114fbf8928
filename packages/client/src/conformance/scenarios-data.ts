import { expect, test } from 'vitest';
import type { LocalRecord, LocalRow, Query } from '../local-store.ts';
import { itemRow, record, T0, wireOf } from './fixtures.ts';
import { expectSynclineError, type Harness } from './harness.ts';

/** Ten rows with distinct values in every column, put in a scrambled order. */
const rows: LocalRow[] = Array.from({ length: 10 }, (_, i) =>
  itemRow(`r${i}`, {
    version: 100 + i,
    title: ['pear', 'apple', 'fig', 'kiwi', 'lime', 'plum', 'date', 'sloe', 'yuzu', 'bean'][i] ?? '',
    count: i % 3,
    score: i / 4,
    done: i % 2 === 0,
    dueAt: i < 5 ? `2026-01-0${i + 1}T00:00:00.000Z` : null,
    meta: i === 0 ? { nested: { a: [1, 'two', null, true] } } : i === 1 ? ['x'] : null,
  }),
);
const scrambled = [3, 7, 0, 9, 5, 1, 8, 2, 6, 4].map((i) => rows[i] as LocalRow);
const ids = (list: LocalRow[]) => list.map((r) => r.id);

/** Records, queries, marks and sweeps. */
export function dataScenarios(h: Harness): void {
  async function seeded() {
    const { store } = await h.opened();
    await store.write(async (tx) => {
      for (const row of scrambled) await tx.putRecord('items', record(row));
      // Not visible: a pending delete of a synced record, and a pending insert undone locally.
      await tx.putRecord('items', { ...record(itemRow('x1')), row: null, pending: 1 });
      await tx.putRecord('items', { id: 'x2', base: null, row: null, pending: 0, marked: false });
    });
    const query = (q: Query) => store.read((tx) => tx.query('items', q));
    return { store, query };
  }

  test('putRecord and getRecord round-trip every column kind, null, base, pending and marked', async () => {
    const { store } = await h.opened();
    const full = itemRow('a', {
      updatedBy: 'alice',
      title: 'Ünïcode ✓ "quoted" \'single\'',
      count: 2 ** 53 - 1,
      score: -12.375,
      done: true,
      dueAt: '2026-11-25T13:00:00.123Z',
      meta: { list: [1, 2.5, 'x', null, false], deep: { ok: true } },
    });
    const empty = itemRow('b', { title: '', count: -7, score: 0, done: false, dueAt: null, meta: null });
    const jsonScalars = [
      itemRow('c', { meta: 'text' }),
      itemRow('d', { meta: 0 }),
      itemRow('e', { meta: false }),
      itemRow('f', { meta: [] }),
    ];
    const pendingInsert: LocalRecord = {
      id: 'g',
      base: null,
      row: itemRow('g', { version: 0, updatedAt: null }),
      pending: 2,
      marked: false,
    };
    const rebased: LocalRecord = {
      id: 'h',
      base: wireOf(itemRow('h', { version: 8, title: 'server' })),
      row: itemRow('h', { version: 8, title: 'local' }),
      pending: 1,
      marked: true,
    };
    const all = [record(full), record(empty), ...jsonScalars.map((r) => record(r)), pendingInsert, rebased];
    await store.write(async (tx) => {
      for (const r of all) await tx.putRecord('items', r);
    });
    await store.read(async (tx) => {
      for (const r of all) expect(await tx.getRecord('items', r.id)).toEqual(r);
    });
  });

  test('getRecord returns null for a missing id; one id in two collections is two records', async () => {
    const { store } = await h.opened();
    await store.write(async (tx) => {
      await tx.putRecord('items', record(itemRow('same')));
      await tx.putRecord(
        'notes',
        record({ id: 'same', version: 2, updatedAt: T0, updatedBy: null, deletedAt: null, body: 'note' }),
      );
    });
    await store.read(async (tx) => {
      expect(await tx.getRecord('items', 'missing')).toBeNull();
      expect((await tx.getRecord('items', 'same'))?.row?.title).toBe('Item same');
      expect((await tx.getRecord('notes', 'same'))?.row?.body).toBe('note');
    });
  });

  test('putRecord replaces the stored record; a record with row null keeps its base and is invisible', async () => {
    const { store } = await h.opened();
    await store.write((tx) => tx.putRecord('items', record(itemRow('a', { title: 'one' }))));
    const deleted: LocalRecord = { ...record(itemRow('a', { title: 'one' })), row: null, pending: 1 };
    await store.write((tx) => tx.putRecord('items', deleted));
    await store.read(async (tx) => {
      expect(await tx.getRecord('items', 'a')).toEqual(deleted);
      expect(await tx.query('items', {})).toEqual([]);
    });
  });

  test('getRecords answers the stored records among many ids, visible or not', async () => {
    const { store } = await h.opened();
    const hidden: LocalRecord = { ...record(itemRow('b')), row: null, pending: 1 };
    await store.write((tx) => tx.putRecords('items', [record(itemRow('a')), hidden, record(itemRow('c'))]));
    await store.read(async (tx) => {
      const found = await tx.getRecords('items', ['c', 'missing', 'b']);
      expect([...found.keys()].sort()).toEqual(['b', 'c']);
      expect(found.get('b')).toEqual(hidden);
      expect(found.get('c')).toEqual(await tx.getRecord('items', 'c'));
      expect((await tx.getRecords('items', [])).size).toBe(0);
    });
  });

  test('deleteRecord removes the record', async () => {
    const { store } = await h.opened();
    await store.write((tx) => tx.putRecords('items', [record(itemRow('a')), record(itemRow('b'))]));
    await store.write((tx) => tx.deleteRecord('items', 'a'));
    await store.write((tx) => tx.deleteRecord('items', 'never-existed'));
    await store.read(async (tx) => {
      expect(await tx.getRecord('items', 'a')).toBeNull();
      expect(ids(await tx.query('items', {}))).toEqual(['b']);
    });
  });

  test('putRecords stores 10,000 records in one write', async () => {
    const { store } = await h.opened();
    const many = Array.from({ length: 10_000 }, (_, i) =>
      record(itemRow(`id-${String(i).padStart(5, '0')}`, { count: i, done: i % 2 === 1 })),
    );
    await store.write((tx) => tx.putRecords('items', many));
    await store.read(async (tx) => {
      const all = await tx.query('items', {});
      expect(all).toHaveLength(10_000);
      expect(all[0]).toEqual(many[0]?.row);
      expect(all[9_999]).toEqual(many[9_999]?.row);
      expect(await tx.getRecord('items', 'id-04321')).toEqual(many[4321]);
      expect(await tx.query('items', { where: { done: true }, limit: 1 })).toEqual([many[1]?.row]);
    });
  });

  test('query returns only visible rows, ordered by id when no orderBy is given', async () => {
    const { query } = await seeded();
    expect(await query({})).toEqual(rows);
  });

  test('query: equality where on text, integer, boolean, timestamp, json null and several columns at once', async () => {
    const { query } = await seeded();
    expect(ids(await query({ where: { title: 'fig' } }))).toEqual(['r2']);
    expect(ids(await query({ where: { count: 1 } }))).toEqual(['r1', 'r4', 'r7']);
    expect(ids(await query({ where: { done: true, count: 0 } }))).toEqual(['r0', 'r6']);
    expect(ids(await query({ where: { dueAt: '2026-01-02T00:00:00.000Z' } }))).toEqual(['r1']);
    expect(ids(await query({ where: { dueAt: null } }))).toEqual(['r5', 'r6', 'r7', 'r8', 'r9']);
    expect(ids(await query({ where: { dueAt: { ne: null }, done: false } }))).toEqual(['r1', 'r3']);
    expect(ids(await query({ where: { id: 'x1' } }))).toEqual([]);
    expect(ids(await query({ where: { title: 'none' } }))).toEqual([]);
  });

  test('query: comparison operators gt, gte, lt, lte, ne and in', async () => {
    const { query } = await seeded();
    expect(ids(await query({ where: { score: { gt: 1.5 } } }))).toEqual(['r7', 'r8', 'r9']);
    expect(ids(await query({ where: { score: { gte: 1.5 } } }))).toEqual(['r6', 'r7', 'r8', 'r9']);
    expect(ids(await query({ where: { score: { lt: 0.5 } } }))).toEqual(['r0', 'r1']);
    expect(ids(await query({ where: { score: { lte: 0.5 } } }))).toEqual(['r0', 'r1', 'r2']);
    expect(ids(await query({ where: { score: { gt: 0.5, lt: 1.5 } } }))).toEqual(['r3', 'r4', 'r5']);
    expect(ids(await query({ where: { title: { gte: 'p' } } }))).toEqual(['r0', 'r5', 'r7', 'r8']);
    expect(ids(await query({ where: { dueAt: { lt: '2026-01-03T00:00:00.000Z' } } }))).toEqual(['r0', 'r1']);
    expect(ids(await query({ where: { version: { gte: 108 } } }))).toEqual(['r8', 'r9']);
    expect(ids(await query({ where: { count: { ne: 0 }, done: true } }))).toEqual(['r2', 'r4', 'r8']);
    // ne keeps rows whose value is null: null is not the compared value.
    expect(ids(await query({ where: { dueAt: { ne: '2026-01-01T00:00:00.000Z' } } }))).toEqual(
      ids(rows.slice(1)),
    );
    expect(ids(await query({ where: { title: { in: ['kiwi', 'fig', 'nope'] } } }))).toEqual(['r2', 'r3']);
    expect(ids(await query({ where: { id: { in: ['r9', 'x1', 'r0'] } } }))).toEqual(['r0', 'r9']);
    expect(ids(await query({ where: { done: { in: [false] }, count: { in: [2] } } }))).toEqual(['r5']);
    expect(await query({ where: { count: { in: [] } } })).toEqual([]);
  });

  test('query: orderBy several columns ascending and descending', async () => {
    const { query } = await seeded();
    expect(ids(await query({ orderBy: [['title', 'asc']] }))).toEqual([
      'r1',
      'r9',
      'r6',
      'r2',
      'r3',
      'r4',
      'r0',
      'r5',
      'r7',
      'r8',
    ]);
    expect(ids(await query({ orderBy: [['score', 'desc']] }))).toEqual(ids([...rows].reverse()));
    expect(
      ids(
        await query({
          orderBy: [
            ['done', 'asc'],
            ['count', 'desc'],
            ['title', 'asc'],
          ],
        }),
      ),
    ).toEqual(['r5', 'r1', 'r7', 'r9', 'r3', 'r2', 'r8', 'r4', 'r6', 'r0']);
    expect(
      ids(
        await query({
          where: { done: true },
          orderBy: [
            ['count', 'asc'],
            ['id', 'desc'],
          ],
        }),
      ),
    ).toEqual(['r6', 'r0', 'r4', 'r8', 'r2']);
  });

  test('query: limit and offset page through rows in order', async () => {
    const { query } = await seeded();
    const order: Query['orderBy'] = [['title', 'desc']];
    const pages = [
      await query({ orderBy: order, limit: 4 }),
      await query({ orderBy: order, limit: 4, offset: 4 }),
      await query({ orderBy: order, limit: 4, offset: 8 }),
    ];
    expect(pages.map((p) => p.length)).toEqual([4, 4, 2]);
    expect(pages.flat()).toEqual(await query({ orderBy: order }));
    expect(ids(await query({ offset: 7 }))).toEqual(['r7', 'r8', 'r9']);
    expect(await query({ limit: 0 })).toEqual([]);
  });

  test('query rejects unknown columns and collections with SynclineError invalid', async () => {
    const { store, query } = await seeded();
    await expectSynclineError(query({ where: { nope: 1 } }), 'invalid');
    await expectSynclineError(query({ where: { "title\" = 'x' OR 1=1 --": 1 } }), 'invalid');
    await expectSynclineError(query({ orderBy: [['_visible', 'asc']] }), 'invalid');
    await expectSynclineError(query({ orderBy: [['title; DROP TABLE items', 'asc']] }), 'invalid');
    await expectSynclineError(
      store.read((tx) => tx.query('nope', {})),
      'invalid',
    );
    expect(await query({})).toHaveLength(10);
  });

  test('query rejects malformed conditions with SynclineError invalid: a bad direction, "in" without an array, a range on null', async () => {
    const { query } = await seeded();
    await expectSynclineError(query({ orderBy: [['title', 'up' as 'asc']] }), 'invalid');
    await expectSynclineError(query({ where: { title: { in: 'x' as unknown as unknown[] } } }), 'invalid');
    await expectSynclineError(query({ where: { title: { gt: null } } }), 'invalid');
  });

  test('markAll then sweepMarked deletes only marked records without pending changes', async () => {
    const { store } = await h.opened();
    await store.write(async (tx) => {
      await tx.putRecords('items', [
        record(itemRow('gone')),
        record(itemRow('pending'), { pending: 1 }),
        record(itemRow('resent')),
      ]);
      await tx.putRecord(
        'notes',
        record({ id: 'n', version: 1, updatedAt: T0, updatedBy: null, deletedAt: null, body: 'b' }),
      );
    });
    await store.write((tx) => tx.markAll('items'));
    // The server sends "resent" again during the reset, which clears its mark.
    await store.write((tx) => tx.putRecord('items', record(itemRow('resent', { title: 'again' }))));
    const swept = await store.write((tx) => tx.sweepMarked('items'));
    expect(swept).toBe(1);
    await store.read(async (tx) => {
      expect(await tx.getRecord('items', 'gone')).toBeNull();
      expect(await tx.getRecord('items', 'pending')).toMatchObject({ marked: true, pending: 1 });
      expect(await tx.getRecord('items', 'resent')).toMatchObject({ marked: false, row: { title: 'again' } });
      expect(await tx.getRecord('notes', 'n')).toMatchObject({ marked: false });
    });
    expect(await store.write((tx) => tx.sweepMarked('notes'))).toBe(0);
  });
}
