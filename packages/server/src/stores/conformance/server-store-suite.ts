/**
 * The server-store conformance suite: named scenarios, one `test()` each, run against every
 * ServerStore (SQLite now, PostgreSQL later). Store-agnostic: plain SQL only through the factory's
 * `rawSql` hook, with `?` placeholders and snake_case names.
 *
 * @example
 * runServerStoreSuite('sqlite', async (schema, hints) => {
 *   const store = createSqliteStore({ path, schema, scopeColumns: hints.scopeColumns });
 *   return { store, rawSql: async (sql, params) => { other.prepare(sql).run(...(params ?? [])); } };
 * });
 */
import type { SchemaDef, WireRecord } from '@syncline/core';
import { defineSchema, t } from '@syncline/core';
import { afterEach, describe, expect, test } from 'vitest';
import type { ScopeFilter, ServerStore, StoreChange, StorePullResult } from '../types.ts';
import type { MakeStore, StoreUnderTest } from './helpers.ts';
import { suiteSchema, suiteScopeColumns } from './helpers.ts';

export type { MakeStore, StoreUnderTest } from './helpers.ts';
export { client, suiteRules, suiteSchema, testAuth } from './helpers.ts';

const PUBLIC: ScopeFilter = { kind: 'public' };
const keys = (...k: string[]): ScopeFilter => ({ kind: 'keys', column: 'listId', keys: k });

/** Opens a fresh, migrated store for one scenario; the suite closes it after the test. */
export type OpenStore = (
  schema?: SchemaDef,
  scopeColumns?: Readonly<Record<string, string | readonly string[]>>,
) => Promise<StoreUnderTest>;

/**
 * Runs every scenario against stores made by `makeStore` (a fresh, empty database per call).
 * `extra` adds groups of scenarios of your own (e.g. handler-level ones) that open stores the
 * same way and are cleaned up the same way.
 */
export function runServerStoreSuite(
  name: string,
  makeStore: MakeStore,
  extra: Record<string, (open: OpenStore) => void> = {},
): void {
  const open: StoreUnderTest[] = [];
  const make = async (schema: SchemaDef = suiteSchema, scopeColumns = suiteScopeColumns) => {
    const s = await makeStore(schema, { scopeColumns });
    open.push(s);
    await s.store.migrate();
    return s;
  };
  afterEach(async () => {
    for (const s of open.splice(0)) {
      await s.store.close();
      await s.dispose?.();
    }
  });

  describe(`server store conformance: ${name}`, () => {
    describe('store', () => storeScenarios(make));
    for (const [group, scenarios] of Object.entries(extra)) describe(group, () => scenarios(make));
  });
}

type Make = OpenStore;

const insert = (store: ServerStore, collection: string, id: string, data: Record<string, unknown>) =>
  store.write((tx) => tx.insertRecord(collection, id, data));
const task = (id: string, listId = 'L1', title = id) => ({ listId, title, done: false });

async function pullOne(
  store: ServerStore,
  position: string | null,
  scope: ScopeFilter = PUBLIC,
  limit = 100,
) {
  const res = await store.pull({ collections: [{ name: 'tasks', position, scope }], limit });
  return res.collections.tasks!;
}

/** Pages through one collection until done; returns the changes in order and the final position. */
async function drain(store: ServerStore, position: string | null, scope: ScopeFilter = PUBLIC, limit = 100) {
  const changes: WireRecord[] = [];
  for (;;) {
    const page = await pullOne(store, position, scope, limit);
    changes.push(...page.changes);
    position = page.position;
    if (!page.hasMore) return { changes, position };
  }
}

function storeScenarios(make: Make): void {
  test('migrate is idempotent', async () => {
    const { store } = await make();
    await store.migrate();
    await store.migrate();
    await insert(store, 'tasks', 't1', task('t1'));
    await store.migrate();
    expect((await drain(store, null)).changes.map((c) => c.id)).toEqual(['t1']);
  });

  test('insert, update and softDelete stamp fresh increasing versions', async () => {
    const { store } = await make();
    const [a, b, c, d] = await store.write(async (tx) => [
      await tx.insertRecord('tasks', 't1', { ...task('t1'), meta: { tags: ['x'] } }),
      await tx.updateRecord('tasks', 't1', { title: 'renamed', done: true }),
      await tx.insertRecord('tasks', 't2', task('t2')),
      await tx.softDelete('tasks', 't1'),
    ]);
    expect(a!.version).toBeGreaterThan(0);
    expect(b!.version).toBeGreaterThan(a!.version);
    expect(c!.version).toBeGreaterThan(b!.version);
    expect(d!.version).toBeGreaterThan(c!.version);
    expect(b).toMatchObject({
      title: 'renamed',
      done: true,
      meta: { tags: ['x'] },
      note: null,
      rank: 0,
      deletedAt: null,
    });
    expect(d!.deletedAt).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
    expect(a!.updatedAt).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
    const stored = await store.write((tx) => tx.getRecord('tasks', 't1'));
    expect(stored?.record).toEqual(d);
    expect(await store.write((tx) => tx.getRecord('tasks', 'missing'))).toBeNull();
  });

  test('field versions record the write that last changed each column', async () => {
    const { store } = await make();
    const a = await insert(store, 'cards', 'k1', { ownerId: 'u', title: 'a' });
    const b = await store.write((tx) => tx.updateRecord('cards', 'k1', { title: 'b' }));
    const c = await store.write((tx) => tx.updateRecord('cards', 'k1', { color: 'red' }));
    const stored = await store.write((tx) => tx.getRecord('cards', 'k1'));
    expect(stored!.fieldVersions.title).toBe(b.version);
    expect(stored!.fieldVersions.color).toBe(c.version);
    expect(stored!.fieldVersions.ownerId ?? 0).toBeLessThanOrEqual(a.version);
  });

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

  test('updatedBy: writes after writeAs carry the user; others, and plain SQL, carry null', async () => {
    const { store, rawSql } = await make();
    const [a, b, c] = await store.write(async (tx) => {
      await tx.writeAs('alice');
      return [
        await tx.insertRecord('tasks', 't1', task('t1')),
        await tx.updateRecord('tasks', 't1', { title: 'by alice' }),
        await tx.insertRecord('tasks', 't2', task('t2')),
      ];
    });
    expect([a!.updatedBy, b!.updatedBy, c!.updatedBy]).toEqual(['alice', 'alice', 'alice']);
    // The attribution ends with its transaction: a later one without writeAs writes null.
    const d = await store.write((tx) => tx.updateRecord('tasks', 't2', { title: 'by the app' }));
    expect(d.updatedBy).toBeNull();
    const e = await store.write(async (tx) => {
      await tx.writeAs('bob');
      return tx.softDelete('tasks', 't1');
    });
    expect(e.updatedBy).toBe('bob');
    // Plain SQL on another connection, even right after a push, and even naming the column.
    await store.write(async (tx) => {
      await tx.writeAs('carol');
      await tx.insertRecord('tasks', 't3', task('t3'));
    });
    await rawSql('UPDATE tasks SET title = ? WHERE id = ?', ['edited in sql', 't3']);
    await rawSql('INSERT INTO tasks (id, list_id, title, updated_by) VALUES (?, ?, ?, ?)', [
      'raw',
      'L1',
      'forged',
      'mallory',
    ]);
    const { changes } = await drain(store, null);
    const by = Object.fromEntries(changes.map((r) => [r.id, r.updatedBy]));
    expect(by).toEqual({ t1: 'bob', t2: null, t3: null, raw: null });
    expect((await store.records('tasks', ['t1']))[0]?.updatedBy).toBe('bob');
  });

  test('updatedBy: a rolled-back writeAs attributes nothing', async () => {
    const { store } = await make();
    await expect(
      store.write(async (tx) => {
        await tx.writeAs('alice');
        throw new Error('boom');
      }),
    ).rejects.toThrow('boom');
    const rec = await store.write((tx) => tx.insertRecord('tasks', 't1', task('t1')));
    expect(rec.updatedBy).toBeNull();
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

  test('write() rolls back everything when fn throws; a savepoint rolls back only its part', async () => {
    const { store } = await make();
    await expect(
      store.write(async (tx) => {
        await tx.insertRecord('tasks', 'gone', task('gone'));
        throw new Error('boom');
      }),
    ).rejects.toThrow('boom');
    expect(await store.write((tx) => tx.getRecord('tasks', 'gone'))).toBeNull();
    await store.write(async (tx) => {
      await tx.insertRecord('tasks', 'kept', task('kept'));
      await expect(
        tx.savepoint(async () => {
          await tx.insertRecord('tasks', 'undone', task('undone'));
          throw new Error('inner');
        }),
      ).rejects.toThrow('inner');
      await tx.savepoint(() => tx.insertRecord('tasks', 'also', task('also')));
    });
    expect((await drain(store, null)).changes.map((c) => c.id).sort()).toEqual(['also', 'kept']);
  });

  test('client state and outcomes: first owner kept, lastSeq, outcomes by seq, pruning', async () => {
    const { store } = await make();
    expect(await store.write((tx) => tx.lockClient('c1', 'alice'))).toEqual({ userId: 'alice', lastSeq: 0 });
    await store.write(async (tx) => {
      await tx.saveOutcome('c1', 1, { seq: 1, status: 'duplicate' });
      await tx.saveOutcome('c1', 2, {
        seq: 2,
        status: 'rejected',
        code: 'invalid',
        message: 'no',
        issues: [],
      });
      await tx.setLastSeq('c1', 2);
    });
    expect(await store.write((tx) => tx.lockClient('c1', 'bob'))).toEqual({ userId: 'alice', lastSeq: 2 });
    const outcomes = await store.write((tx) => tx.getOutcomes('c1', [1, 2, 3]));
    expect([...outcomes.keys()].sort()).toEqual([1, 2]);
    expect(outcomes.get(2)).toMatchObject({ code: 'invalid', message: 'no' });
    await store.write((tx) => tx.pruneOutcomes('c1', 2));
    expect([...(await store.write((tx) => tx.getOutcomes('c1', [1, 2]))).keys()]).toEqual([2]);
  });

  test('concurrent write() calls do not interleave', async () => {
    const { store } = await make();
    await insert(store, 'counters', 'n', { ownerId: 'u', value: 0 });
    await Promise.all(
      Array.from({ length: 10 }, () =>
        store.write(async (tx) => {
          const cur = await tx.getRecord('counters', 'n');
          // Yield to the event loop between read and write: another write must not slip in.
          await new Promise<void>((resolve) => setImmediate(resolve));
          await tx.updateRecord('counters', 'n', { value: Number(cur!.record.value) + 1 });
        }),
      ),
    );
    expect((await store.write((tx) => tx.getRecord('counters', 'n')))!.record.value).toBe(10);
  });

  test('read() runs SQL for rules', async () => {
    const { store } = await make();
    await insert(store, 'lists', 'l1', { ownerId: 'alice', name: 'Groceries' });
    const rows = await store.read((db) =>
      db.all<{ id: string }>('SELECT id FROM lists WHERE owner_id = ?', ['alice']),
    );
    expect(rows.map((r) => r.id)).toEqual(['l1']);
  });

  test('change feed: store writes, plain SQL insert/update/delete and a scope move, with old and new scope keys', async () => {
    const { store, rawSql } = await make();
    if (!store.subscribe) return; // optional capability
    const seen: StoreChange[] = [];
    const errors: unknown[] = [];
    let wake = () => {};
    const stop = store.subscribe(
      (changes) => {
        seen.push(...changes);
        wake();
      },
      { onError: (e) => errors.push(e) },
    );
    // Resolves once `pred` holds for what the feed reported (generous: a shared cluster's watermark may lag).
    const until = async (pred: () => boolean, what: string) => {
      const deadline = Date.now() + 20_000;
      while (!pred()) {
        if (Date.now() > deadline)
          throw new Error(`the feed never reported ${what}: ${JSON.stringify(seen)}`);
        await new Promise<void>((resolve) => {
          wake = resolve;
          setTimeout(resolve, 200);
        });
      }
    };
    const has = (id: string, f: (c: StoreChange) => boolean) => seen.some((c) => c.id === id && f(c));
    try {
      // The feed starts from "now": give it a change to prove it is running before asserting on others.
      await insert(store, 'tasks', 'first', task('first', 'L0'));
      await until(() => has('first', (c) => c.row?.listId === 'L0'), 'the first insert');
      await insert(store, 'tasks', 't1', task('t1', 'L1'));
      await until(
        () => has('t1', (c) => c.collection === 'tasks' && c.row?.listId === 'L1'),
        'a store insert',
      );
      await rawSql('INSERT INTO tasks (id, list_id, title) VALUES (?, ?, ?)', ['raw', 'L2', 'sql']);
      await until(() => has('raw', (c) => c.row?.listId === 'L2'), 'a plain SQL insert');
      await rawSql('UPDATE tasks SET list_id = ? WHERE id = ?', ['L3', 'raw']);
      await until(
        () =>
          has('raw', (c) => c.row?.listId === 'L3') &&
          has('raw', (c) => c.row === null && c.old?.listId === 'L2'),
        'a scope move (new key, and old key through the gone-marker)',
      );
      await rawSql('DELETE FROM tasks WHERE id = ?', ['t1']);
      await until(() => has('t1', (c) => c.row === null && c.old?.listId === 'L1'), 'a plain SQL delete');
      await store.write((tx) => tx.softDelete('tasks', 'raw'));
      await until(
        () => has('raw', (c) => c.row?.deletedAt != null && c.row?.listId === 'L3'),
        'a soft delete',
      );
      expect(errors).toEqual([]);
    } finally {
      stop();
    }
  });

  test('clientUser answers the first user of a client id, null for an unknown one', async () => {
    const { store } = await make();
    if (!store.clientUser) return;
    expect(await store.clientUser('c1')).toBeNull();
    await store.write((tx) => tx.lockClient('c1', 'alice'));
    await store.write((tx) => tx.lockClient('c1', 'bob'));
    expect(await store.clientUser('c1')).toBe('alice');
  });
}
