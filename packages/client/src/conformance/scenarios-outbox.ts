import { expect, test } from 'vitest';
import type { OutboxEntry, StoredRejection } from '../local-store.ts';
import { outboxEntry, T0 } from './fixtures.ts';
import type { Harness } from './harness.ts';

function rejection(
  key: string,
  createdAt: number,
  overrides: Partial<StoredRejection> = {},
): StoredRejection {
  return {
    key,
    collection: 'items',
    id: `rec-${key}`,
    code: 'invalid',
    message: 'The title is too long.',
    current: null,
    dropped: [{ op: 'insert', data: { title: 'x' } }],
    issues: [{ path: 'title', message: 'must be at most 200 characters.' }],
    createdAt,
    notified: false,
    ...overrides,
  };
}

/** The outbox, meta values and stored rejections. */
export function outboxScenarios(h: Harness): void {
  test('outbox keys strictly increase in write order, even after the newest entry is removed', async () => {
    const { store } = await h.opened();
    const first = await store.write(async (tx) => [
      await tx.addOutbox(outboxEntry('a', 1)),
      await tx.addOutbox(outboxEntry('b', 2)),
    ]);
    const second = await store.write(async (tx) => [await tx.addOutbox(outboxEntry('a', 3))]);
    const keys = [...first, ...second];
    for (let i = 1; i < keys.length; i++)
      expect(keys[i]).toBeGreaterThan(keys[i - 1] ?? Number.POSITIVE_INFINITY);
    await store.write((tx) => tx.removeOutbox([keys[2] ?? -1]));
    const next = await store.write((tx) => tx.addOutbox(outboxEntry('c', 4)));
    expect(next).toBeGreaterThan(keys[2] ?? Number.POSITIVE_INFINITY);
    const listed = await store.read((tx) => tx.outbox());
    expect(listed.map((e) => e.key)).toEqual([keys[0], keys[1], next]);
    expect(listed[0]).toEqual({ key: keys[0], ...outboxEntry('a', 1) });
  });

  test('addOutboxMany (where a store has it) appends like addOutbox calls, in array order', async (ctx) => {
    const { store } = await h.opened();
    const many = (entries: Array<Omit<OutboxEntry, 'key'>>) =>
      store.write(async (tx) => {
        if (!tx.addOutboxMany) return false;
        await tx.addOutboxMany(entries);
        return true;
      });
    const before = await store.write((tx) => tx.addOutbox(outboxEntry('z', 0)));
    // One collection and time, not yet sent (a batch write's entries), text that JSON escapes.
    const batch = Array.from({ length: 300 }, (_, i) => ({
      ...outboxEntry(`r${299 - i}`, i),
      op: { op: 'insert' as const, data: { title: `"quoted" \\ é ${i}\n`, n: i + 0.1, none: null } },
      createdAt: 5,
    }));
    if (!(await many(batch))) ctx.skip();
    // Mixed collections, times and sent entries.
    const mixed = [outboxEntry('a', 1), { ...outboxEntry('b', 2, 'notes'), seq: 7, clientId: 'c1' }];
    await many(mixed);
    await many([]);
    const listed = await store.read((tx) => tx.outbox());
    expect(listed[0]!.key).toBe(before);
    expect(listed.map(({ key: _, ...e }) => e)).toEqual([outboxEntry('z', 0), ...batch, ...mixed]);
    for (let i = 1; i < listed.length; i++) expect(listed[i]!.key).toBeGreaterThan(listed[i - 1]!.key);
    expect(await store.read((tx) => tx.outboxCount())).toBe(1 + batch.length + mixed.length);
  });

  test('outbox lists entries in key order, filters by record and honours limit', async () => {
    const { store } = await h.opened();
    await store.write(async (tx) => {
      await tx.addOutbox(outboxEntry('a', 1));
      await tx.addOutbox(outboxEntry('b', 2));
      await tx.addOutbox(outboxEntry('a', 3));
      await tx.addOutbox(outboxEntry('a', 4, 'notes'));
      await tx.addOutbox({
        collection: 'items',
        id: 'a',
        op: { op: 'delete', baseVersion: null },
        seq: null,
        clientId: null,
        createdAt: 9,
      });
    });
    await store.read(async (tx) => {
      const all = await tx.outbox();
      expect(all.map((e) => [e.collection, e.id])).toEqual([
        ['items', 'a'],
        ['items', 'b'],
        ['items', 'a'],
        ['notes', 'a'],
        ['items', 'a'],
      ]);
      const forA = await tx.outbox({ collection: 'items', id: 'a' });
      expect(forA.map((e) => e.op)).toEqual([
        outboxEntry('a', 1).op,
        outboxEntry('a', 3).op,
        { op: 'delete', baseVersion: null },
      ]);
      expect(await tx.outbox({ collection: 'items', id: 'a', limit: 2 })).toEqual(forA.slice(0, 2));
      expect(await tx.outbox({ limit: 2 })).toEqual(all.slice(0, 2));
      expect(await tx.outbox({ collection: 'items', id: 'none' })).toEqual([]);
      expect(await tx.outboxCount()).toBe(5);
    });
  });

  test('updateOutbox persists seq, clientId and op changes', async () => {
    const { store } = await h.opened();
    const [k1, k2] = await store.write(async (tx) => [
      await tx.addOutbox(outboxEntry('a', 1)),
      await tx.addOutbox(outboxEntry('b', 2)),
    ]);
    const squashed = { op: 'insert', data: { title: 'merged', count: 2 } } as const;
    await store.write((tx) =>
      tx.updateOutbox({
        key: k1 ?? -1,
        collection: 'items',
        id: 'a',
        op: squashed,
        seq: 17,
        clientId: 'c-1',
        createdAt: 1_001,
      }),
    );
    const [e1, e2] = await store.read((tx) => tx.outbox());
    expect(e1).toEqual({
      key: k1,
      collection: 'items',
      id: 'a',
      op: squashed,
      seq: 17,
      clientId: 'c-1',
      createdAt: 1_001,
    });
    expect(e2).toEqual({ key: k2, ...outboxEntry('b', 2) });
  });

  test('removeOutbox removes only the given keys and outboxCount follows', async () => {
    const { store } = await h.opened();
    const keys = await store.write(async (tx) => {
      const out: number[] = [];
      for (let i = 0; i < 5; i++) out.push(await tx.addOutbox(outboxEntry(`r${i}`, i)));
      return out;
    });
    expect(await store.read((tx) => tx.outboxCount())).toBe(5);
    await store.write((tx) => tx.removeOutbox([keys[1] ?? -1, keys[3] ?? -1, 999_999]));
    await store.write((tx) => tx.removeOutbox([]));
    await store.read(async (tx) => {
      expect((await tx.outbox()).map((e) => e.id)).toEqual(['r0', 'r2', 'r4']);
      expect(await tx.outboxCount()).toBe(3);
    });
  });

  test('meta stores JSON values by key; deleteMeta removes them', async () => {
    const { store } = await h.opened();
    const values: Record<string, unknown> = {
      string: 'c-0190',
      number: 17.5,
      zero: 0,
      false: false,
      null: null,
      object: { cursor: 'abc', nested: { list: [1, 'two', null] } },
      array: [{ a: 1 }],
    };
    await store.write(async (tx) => {
      for (const [key, value] of Object.entries(values)) await tx.setMeta(key, value);
      await tx.setMeta('number', 18);
    });
    await store.read(async (tx) => {
      for (const [key, value] of Object.entries(values))
        expect(await tx.getMeta(key)).toEqual(key === 'number' ? 18 : value);
      expect(await tx.getMeta('missing')).toBeUndefined();
    });
    await store.write(async (tx) => {
      await tx.deleteMeta('object');
      await tx.deleteMeta('missing');
    });
    await store.read(async (tx) => {
      expect(await tx.getMeta('object')).toBeUndefined();
      expect(await tx.getMeta('null')).toBeNull();
    });
  });

  test('rejections are stored, replaced by key, listed oldest first and removed', async () => {
    const { store } = await h.opened();
    const later = rejection('c1:9', 20, {
      code: 'conflict',
      current: { id: 'rec-c1:9', version: 4, updatedAt: T0, deletedAt: null, title: 'theirs' },
      issues: [],
    });
    const earlier = rejection('c1:8', 10);
    await store.write(async (tx) => {
      await tx.putRejection(later);
      await tx.putRejection(earlier);
    });
    expect(await store.read((tx) => tx.rejections())).toEqual([earlier, later]);
    await store.write((tx) => tx.putRejection({ ...later, notified: true }));
    expect(await store.read((tx) => tx.rejections())).toEqual([earlier, { ...later, notified: true }]);
    await store.write(async (tx) => {
      await tx.removeRejection('c1:8');
      await tx.removeRejection('unknown');
    });
    expect(await store.read((tx) => tx.rejections())).toEqual([{ ...later, notified: true }]);
  });
}
