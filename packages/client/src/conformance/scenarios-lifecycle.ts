import { expect, test } from 'vitest';
import type { StoredRejection } from '../local-store.ts';
import { itemRow, migratedSchema, outboxEntry, querySchema, record, T0 } from './fixtures.ts';
import { expectSynclineError, type Harness } from './harness.ts';

const rejection: StoredRejection = {
  key: 'c1:7',
  collection: 'items',
  id: 'a',
  code: 'conflict',
  message: 'Someone else changed this item first.',
  current: { id: 'a', version: 9, updatedAt: T0, updatedBy: null, deletedAt: null, title: 'Theirs' },
  dropped: [{ op: 'update', patch: { title: 'Mine' }, baseVersion: 1 }],
  issues: [],
  createdAt: 5,
  notified: false,
};

/** Opening, migrating, transactions, persistence and closing. */
export function lifecycleScenarios(h: Harness): void {
  test('open reports every collection as added on first open, then nothing on reopen', async () => {
    const { store, location } = await h.create();
    const first = await store.open(querySchema);
    expect([...first.added].sort()).toEqual(['items', 'notes']);
    expect(first.changed).toEqual([]);
    const again = await h.reopen(store, location);
    expect(await again.open(querySchema)).toEqual({ added: [], changed: [] });
  });

  test('reopening with a changed column set reports changed and keeps rows and the outbox; new columns read as null', async () => {
    const { store, location } = await h.opened();
    await store.write(async (tx) => {
      await tx.putRecord('items', record(itemRow('a', { title: 'Kept', count: 3 }), { pending: 1 }));
      await tx.addOutbox(outboxEntry('a', 3));
      await tx.setMeta('cursor:items', 'abc');
    });
    const next = await h.reopen(store, location);
    const result = await next.open(migratedSchema);
    expect(result.added).toEqual(['tags']);
    expect(result.changed).toEqual(['items']);
    await next.read(async (tx) => {
      const got = await tx.getRecord('items', 'a');
      expect(got?.row).toEqual({ ...itemRow('a', { title: 'Kept', count: 3 }), tag: null });
      expect(got?.pending).toBe(1);
      expect(await tx.query('items', { where: { tag: null } })).toHaveLength(1);
      expect(await tx.outbox()).toMatchObject([{ collection: 'items', id: 'a', op: outboxEntry('a', 3).op }]);
      expect(await tx.getMeta('cursor:items')).toBe('abc');
      expect(await tx.query('tags', {})).toEqual([]);
    });
    await next.write((tx) => tx.putRecord('items', record(itemRow('b', { tag: 'red' }))));
    expect(await next.read((tx) => tx.query('items', { where: { tag: 'red' } }))).toEqual([
      itemRow('b', { tag: 'red' }),
    ]);
  });

  test('a write whose callback throws rolls back everything it did', async () => {
    const { store } = await h.opened();
    await store.write(async (tx) => {
      await tx.putRecord('items', record(itemRow('a')));
      await tx.putRecord('items', record(itemRow('b')));
      await tx.addOutbox(outboxEntry('a', 1));
      await tx.setMeta('m', 1);
    });
    const before = await store.read(async (tx) => [
      await tx.query('items', {}),
      await tx.outbox(),
      await tx.getMeta('m'),
      await tx.rejections(),
    ]);
    const boom = new Error('boom');
    const failed = store.write(async (tx) => {
      await tx.putRecord('items', record(itemRow('a', { title: 'changed' })));
      await tx.putRecords('items', [record(itemRow('c')), record(itemRow('d'))]);
      await tx.deleteRecord('items', 'b');
      const [entry] = await tx.outbox();
      if (entry) await tx.updateOutbox({ ...entry, seq: 1, clientId: 'c1' });
      await tx.addOutbox(outboxEntry('c', 2));
      await tx.setMeta('m', 2);
      await tx.putRejection(rejection);
      await tx.markAll('items');
      throw boom;
    });
    await expect(failed).rejects.toBe(boom);
    const after = await store.read(async (tx) => [
      await tx.query('items', {}),
      await tx.outbox(),
      await tx.getMeta('m'),
      await tx.rejections(),
    ]);
    expect(after).toEqual(before);
    expect((await store.read((tx) => tx.getRecord('items', 'a')))?.marked).toBe(false);
  });

  test('a read sees the effects of earlier committed writes, and write() returns the callback value', async () => {
    const { store } = await h.opened();
    const value = await store.write(async (tx) => {
      await tx.putRecord('notes', {
        id: 'n',
        base: null,
        row: { id: 'n', version: 0, updatedAt: null, updatedBy: null, deletedAt: null, body: 'hi' },
        pending: 1,
        marked: false,
      });
      return 42;
    });
    expect(value).toBe(42);
    expect(await store.read((tx) => tx.query('notes', {}))).toEqual([
      { id: 'n', version: 0, updatedAt: null, updatedBy: null, deletedAt: null, body: 'hi' },
    ]);
  });

  test('concurrent write() calls do not interleave: 100 read-modify-writes of one counter end at 100', async () => {
    const { store } = await h.opened();
    await Promise.all(
      Array.from({ length: 100 }, () =>
        store.write(async (tx) => {
          const n = (await tx.getMeta<number>('counter')) ?? 0;
          await tx.outboxCount(); // another round trip between read and write, to invite interleaving
          await tx.setMeta('counter', n + 1);
        }),
      ),
    );
    expect(await store.read((tx) => tx.getMeta('counter'))).toBe(100);
  });

  test('close() then any use fails with SynclineError closed', async () => {
    const { store } = await h.opened();
    await store.close();
    await expectSynclineError(
      store.read((tx) => tx.outboxCount()),
      'closed',
    );
    await expectSynclineError(
      store.write((tx) => tx.setMeta('k', 1)),
      'closed',
    );
    await expectSynclineError(store.open(querySchema), 'closed');
    await expect(store.close()).resolves.toBeUndefined();
  });

  test.skipIf(!h.persistent)('data survives close() and reopen on the same location', async () => {
    const { store, location } = await h.opened();
    const synced = record(itemRow('a', { meta: { tags: ['x'] } }), { marked: true });
    const deleting = record(itemRow('b'), { pending: 1 });
    const invisible = { ...deleting, row: null };
    const keys = await store.write(async (tx) => {
      await tx.putRecords('items', [synced, invisible]);
      await tx.setMeta('clientId', { id: 'c1', seq: 7 });
      await tx.putRejection(rejection);
      return [await tx.addOutbox(outboxEntry('b', 1)), await tx.addOutbox(outboxEntry('b', 2))];
    });
    await store.write(async (tx) => tx.removeOutbox([keys[1] ?? -1]));
    const next = await h.reopen(store, location);
    expect(await next.open(querySchema)).toEqual({ added: [], changed: [] });
    await next.read(async (tx) => {
      expect(await tx.getRecord('items', 'a')).toEqual(synced);
      expect(await tx.getRecord('items', 'b')).toEqual(invisible);
      expect(await tx.getMeta('clientId')).toEqual({ id: 'c1', seq: 7 });
      expect(await tx.rejections()).toEqual([rejection]);
      expect((await tx.outbox()).map((e) => e.key)).toEqual([keys[0]]);
    });
    // Keys keep increasing across a reopen, even past a removed newest entry.
    const key = await next.write((tx) => tx.addOutbox(outboxEntry('b', 3)));
    expect(key).toBeGreaterThan(keys[1] ?? Number.POSITIVE_INFINITY);
  });
}
