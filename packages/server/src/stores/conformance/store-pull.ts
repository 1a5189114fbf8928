/** Conformance scenarios of the pull: plain SQL writes, tombstones, paging, scopes and scope moves, positions and reset, GC. */
import { defineSchema, t } from '@syncline/core';
import { expect, test } from 'vitest';
import type { ScopeFilter, StorePullResult } from '../types.ts';
import type { OpenStore } from './store-helpers.ts';
import { drain, insert, keys, PUBLIC, pullOne, task } from './store-helpers.ts';

/** Runs the scenarios of this topic over stores opened by `make`. */
export function pullScenarios(make: OpenStore): void {
  test('plain SQL INSERT and UPDATE from another connection are pulled', async () => {
    const { store, rawSql } = await make();
    const first = await drain(store, null);
    await rawSql('INSERT INTO tasks (id, list_id, title) VALUES (?, ?, ?)', ['raw1', 'L1', 'from sql']);
    const afterInsert = await drain(store, first.position);
    expect(afterInsert.changes).toEqual([
      expect.objectContaining({ id: 'raw1', title: 'from sql', done: false, deletedAt: null }),
    ]);
    await rawSql('UPDATE tasks SET title = ? WHERE id = ?', ['edited in sql', 'raw1']);
    const afterUpdate = await drain(store, afterInsert.position);
    expect(afterUpdate.changes).toHaveLength(1);
    expect(afterUpdate.changes[0]).toMatchObject({ id: 'raw1', title: 'edited in sql' });
    expect(afterUpdate.changes[0]!.version).toBeGreaterThan(afterInsert.changes[0]!.version);
  });

  test('plain SQL DELETE arrives as a tombstone {id, version, deletedAt}', async () => {
    const { store, rawSql } = await make();
    const created = await insert(store, 'tasks', 't1', task('t1'));
    const before = await drain(store, null);
    await rawSql('DELETE FROM tasks WHERE id = ?', ['t1']);
    const after = await drain(store, before.position, keys('L1'));
    expect(after.changes).toHaveLength(1);
    const tomb = after.changes[0]!;
    expect(tomb.id).toBe('t1');
    expect(tomb.version).toBeGreaterThan(created.version);
    expect(tomb.deletedAt).toEqual(expect.any(String));
    // A caller of another scope never learns about it.
    expect((await drain(store, before.position, keys('L2'))).changes).toEqual([]);
  });

  test('soft deletes arrive as full tombstones', async () => {
    const { store } = await make();
    await insert(store, 'tasks', 't1', task('t1'));
    const start = await drain(store, null);
    await store.write((tx) => tx.softDelete('tasks', 't1'));
    const { changes } = await drain(store, start.position, keys('L1'));
    expect(changes).toEqual([
      expect.objectContaining({ id: 't1', title: 't1', deletedAt: expect.any(String) }),
    ]);
  });

  test('paging shares one limit across collections, keeps hasMore honest and skips nothing', async () => {
    const { store } = await make();
    await store.write(async (tx) => {
      for (let i = 0; i < 7; i++) await tx.insertRecord('tasks', `t${i}`, task(`t${i}`));
      for (let i = 0; i < 5; i++) await tx.insertRecord('lists', `l${i}`, { ownerId: 'u', name: `l${i}` });
    });
    const seen = new Map<string, number>();
    let positions: Record<string, string | null> = { tasks: null, lists: null };
    let more = true;
    let pages = 0;
    while (more) {
      const res: StorePullResult = await store.pull({
        collections: [
          { name: 'tasks', position: positions.tasks!, scope: PUBLIC },
          { name: 'lists', position: positions.lists!, scope: PUBLIC },
        ],
        limit: 3,
      });
      pages++;
      const total = res.collections.tasks!.changes.length + res.collections.lists!.changes.length;
      expect(total).toBeLessThanOrEqual(3);
      for (const [coll, page] of Object.entries(res.collections)) {
        for (const c of page.changes) seen.set(`${coll}/${c.id}`, (seen.get(`${coll}/${c.id}`) ?? 0) + 1);
      }
      positions = { tasks: res.collections.tasks!.position, lists: res.collections.lists!.position };
      more = res.collections.tasks!.hasMore || res.collections.lists!.hasMore;
      if (more) expect(res.remaining).toBeGreaterThan(0);
      expect(pages).toBeLessThan(20);
    }
    expect(seen.size).toBe(12);
    expect([...seen.values()].every((n) => n === 1)).toBe(true);
    expect(pages).toBe(4);
  });

  test('remaining: counted on the first page, then falls by what each page took, to 0 at the end (0023)', async () => {
    const { store } = await make();
    await store.write(async (tx) => {
      for (let i = 0; i < 10; i++)
        await tx.insertRecord('tasks', `a${i}`, task(`a${i}`, i < 7 ? 'L1' : 'L2'));
    });
    const read = async (position: string | null, limit: number) =>
      store.pull({ collections: [{ name: 'tasks', position, scope: keys('L1') }], limit });
    const progress: number[] = [];
    let received = 0;
    let res = await read(null, 2);
    // The first page counts what is in scope after it: 7 rows of L1, 2 sent.
    expect(res.remaining).toBe(5);
    for (let page = 0; res.collections.tasks!.hasMore; page++) {
      received += res.collections.tasks!.changes.length;
      progress.push(received / (received + res.remaining));
      expect(res.remaining).toBeGreaterThanOrEqual(1);
      // Rows written during the sync raise no later estimate: the client's progress never falls.
      await insert(store, 'tasks', `late${page}`, task(`late${page}`));
      const before = res.remaining;
      res = await read(res.collections.tasks!.position, 2);
      if (res.collections.tasks!.hasMore) expect(res.remaining).toBe(Math.max(1, before - 2));
      expect(page).toBeLessThan(20);
    }
    expect(res.remaining).toBe(0);
    received += res.collections.tasks!.changes.length;
    progress.push(received / (received + res.remaining));
    expect(progress.at(-1)).toBe(1);
    expect(progress.slice(0, -1).every((p) => p < 1)).toBe(true);
    expect(progress.every((p, i) => i === 0 || p >= progress[i - 1]!)).toBe(true);
    // A position without an estimate (from a server before 0023) is counted again, once.
    const first = await read(null, 3);
    const bare = first.collections.tasks!.position.replace(/~\d+$/, '');
    expect((await read(bare, 3)).remaining).toBe(first.remaining - 3);
  });

  test('keys of two scope columns, merged or filtered: every row in scope once, in order, over small pages', async () => {
    const schema = defineSchema({
      docs: { columns: { teamId: t.text(), ownerId: t.text(), title: t.text() } },
    });
    const { store } = await make(schema, { docs: ['teamId', 'ownerId'] });
    // One transaction each: cursor order is write order on both stores.
    for (let i = 0; i < 30; i++)
      await insert(store, 'docs', `d${i}`, { teamId: `T${i % 4}`, ownerId: `u${i % 3}`, title: `${i}` });
    const expected = Array.from({ length: 30 }, (_, i) => i)
      .filter((i) => i % 4 === 1 || i % 4 === 2 || i % 3 === 1)
      .map((i) => `d${i}`);
    // Three keys merge one index walk per key; 41 keys read the cursor index with a filter.
    for (const teams of [
      ['T1', 'T2'],
      ['T1', 'T2', ...Array.from({ length: 38 }, (_, i) => `X${i}`)],
    ]) {
      const scope: ScopeFilter = {
        kind: 'any',
        of: [
          { column: 'teamId', keys: teams },
          { column: 'ownerId', keys: ['u1'] },
        ],
      };
      const got: Array<{ id: string; version: number }> = [];
      let position: string | null = null;
      for (let page = 0; ; page++) {
        const res = await store.pull({ collections: [{ name: 'docs', position, scope }], limit: 4 });
        const docs = res.collections.docs!;
        got.push(...docs.changes);
        position = docs.position;
        if (!docs.hasMore) break;
        expect(page).toBeLessThan(30);
      }
      expect(got.map((c) => c.id)).toEqual(expected);
      expect(got.map((c) => c.version)).toEqual([...got.map((c) => c.version)].sort((a, b) => a - b));
    }
  });

  test('a record written several times between pulls arrives once, in its latest state', async () => {
    const { store } = await make();
    const start = await drain(store, null);
    await insert(store, 'tasks', 't1', task('t1'));
    await store.write((tx) => tx.updateRecord('tasks', 't1', { title: 'second' }));
    await store.write((tx) => tx.updateRecord('tasks', 't1', { title: 'third' }));
    const { changes } = await drain(store, start.position);
    expect(changes).toEqual([expect.objectContaining({ id: 't1', title: 'third' })]);
  });

  test('an empty page still moves the position forward', async () => {
    const { store } = await make();
    await insert(store, 'tasks', 't1', task('t1'));
    const first = await pullOne(store, null);
    await insert(store, 'lists', 'l1', { ownerId: 'u', name: 'other collection' });
    const second = await pullOne(store, first.position);
    expect(second.changes).toEqual([]);
    expect(second.hasMore).toBe(false);
    expect(second.position).not.toBe(first.position);
    const third = await pullOne(store, second.position);
    expect(third.position).toBe(second.position);
  });

  test('scope filtering: the caller keys only, zero keys, and thousands of keys', async () => {
    const { store } = await make();
    await store.write(async (tx) => {
      await tx.insertRecord('tasks', 'a', task('a', 'L1'));
      await tx.insertRecord('tasks', 'b', task('b', 'L2'));
      await tx.insertRecord('tasks', 'c', task('c', 'L3'));
    });
    const ids = async (scope: ScopeFilter) =>
      (await drain(store, null, scope)).changes.map((c) => c.id).sort();
    expect(await ids(keys('L1', 'L3'))).toEqual(['a', 'c']);
    expect(await ids(keys())).toEqual([]);
    const many = Array.from({ length: 5000 }, (_, i) => `K${i}`);
    expect(await ids(keys(...many, 'L2'))).toEqual(['b']);
    expect(await ids(PUBLIC)).toEqual(['a', 'b', 'c']);
  });

  test('a row whose scope key changes reaches the old key as a bare tombstone', async () => {
    const { store } = await make();
    await insert(store, 'tasks', 't1', task('t1', 'L1'));
    const l1 = await drain(store, null, keys('L1'));
    const l2 = await drain(store, null, keys('L2'));
    await store.write((tx) => tx.updateRecord('tasks', 't1', { listId: 'L2' }));
    const old = await drain(store, l1.position, keys('L1'));
    expect(old.changes).toHaveLength(1);
    expect(old.changes[0]).toEqual({ id: 't1', version: expect.any(Number), deletedAt: expect.any(String) });
    const next = await drain(store, l2.position, keys('L2'));
    expect(next.changes).toEqual([expect.objectContaining({ id: 't1', listId: 'L2', deletedAt: null })]);
    // A caller holding both keys sees the live row, not the tombstone.
    const both = await drain(store, l1.position, keys('L1', 'L2'));
    expect(both.changes).toEqual([expect.objectContaining({ id: 't1', listId: 'L2', deletedAt: null })]);
  });

  // Scope keys travel as text; a numeric scope column must still match its gone-markers, whether
  // or not the store was told which column is the scope.
  const teams = defineSchema({ items: { columns: { teamId: t.integer(), title: t.text() } } });
  for (const scopeColumns of [{ items: 'teamId' }, {}]) {
    const told = Object.keys(scopeColumns).length ? 'told' : 'not told';
    test(`an integer scope column: plain SQL deletes and scope moves reach the old key (store ${told} the scope column)`, async () => {
      const { store, rawSql } = await make(teams, scopeColumns);
      const team1: ScopeFilter = { kind: 'keys', column: 'teamId', keys: ['1'] };
      const page = async (position: string | null) => {
        const res = await store.pull({
          collections: [{ name: 'items', position, scope: team1 }],
          limit: 100,
        });
        return res.collections.items!;
      };
      await store.write(async (tx) => {
        await tx.insertRecord('items', 'i1', { teamId: 1, title: 'deleted later' });
        await tx.insertRecord('items', 'i2', { teamId: 1, title: 'moved later' });
      });
      const first = await page(null);
      expect(first.changes.map((c) => c.id).sort()).toEqual(['i1', 'i2']);
      await rawSql('DELETE FROM items WHERE id = ?', ['i1']);
      await rawSql('UPDATE items SET team_id = 2 WHERE id = ?', ['i2']);
      const next = await page(first.position);
      expect(next.changes.map((c) => [c.id, c.deletedAt !== null]).sort()).toEqual([
        ['i1', true],
        ['i2', true],
      ]);
    });
  }

  test('an id changed by plain SQL reaches a client paging one row at a time (old id as a tombstone)', async () => {
    const { store, rawSql } = await make();
    await insert(store, 'tasks', 'a', task('a'));
    const before = await drain(store, null);
    await rawSql('UPDATE tasks SET id = ? WHERE id = ?', ['b', 'a']);
    const after = await drain(store, before.position, PUBLIC, 1);
    const seen = new Map(after.changes.map((c) => [c.id, c.deletedAt]));
    expect(seen.get('b')).toBeNull();
    expect(seen.get('a')).toEqual(expect.any(String));
  });

  test('a position from another database answers reset', async () => {
    const a = await make();
    const b = await make();
    await insert(a.store, 'tasks', 't1', task('t1'));
    await insert(b.store, 'tasks', 'x1', task('x1'));
    const fromA = await pullOne(a.store, null);
    const onB = await pullOne(b.store, fromA.position);
    expect(onB.reset).toBe(true);
    expect(onB.changes.map((c) => c.id)).toEqual(['x1']);
    const again = await pullOne(b.store, onB.position);
    expect(again.reset).toBe(false);
  });

  test('a malformed position answers reset', async () => {
    const { store } = await make();
    await insert(store, 'tasks', 't1', task('t1'));
    for (const bad of ['', 'garbage', ':', '12:-1', 'x'.repeat(300)]) {
      const page = await pullOne(store, bad);
      expect(page.reset).toBe(true);
      expect(page.changes.map((c) => c.id)).toEqual(['t1']);
    }
  });

  test('gc removes old tombstones, and a position below the horizon answers reset', async () => {
    const { store, rawSql } = await make();
    await store.write(async (tx) => {
      await tx.insertRecord('tasks', 'keep', task('keep'));
      await tx.insertRecord('tasks', 'soft', task('soft'));
      await tx.insertRecord('tasks', 'hard', task('hard'));
    });
    const early = await drain(store, null);
    await store.write((tx) => tx.softDelete('tasks', 'soft'));
    await rawSql('DELETE FROM tasks WHERE id = ?', ['hard']);
    const late = await drain(store, early.position);
    expect(late.changes.map((c) => c.id).sort()).toEqual(['hard', 'soft']);

    // A cutoff in the future collects every tombstone, however recent.
    const { removed } = await store.gc(-60_000);
    expect(removed).toBe(2);
    expect(await store.write((tx) => tx.getRecord('tasks', 'soft'))).toBeNull();
    const behind = await pullOne(store, early.position);
    expect(behind.reset).toBe(true);
    expect(behind.changes.map((c) => c.id)).toEqual(['keep']);
    const current = await pullOne(store, late.position);
    expect(current.reset).toBe(false);
    expect(current.changes).toEqual([]);
    // Collecting must not itself produce gone-markers.
    const fresh = await drain(store, null);
    expect(fresh.changes.map((c) => c.id)).toEqual(['keep']);
    expect((await store.gc(-60_000)).removed).toBe(0);
  });
}
