/** Conformance scenarios of the write transaction: versions, field versions, updatedBy, savepoints, client state and outcomes, serialised writes, read(), clientUser. */
import { expect, test } from 'vitest';
import type { OpenStore } from './store-helpers.ts';
import { drain, insert, keys, PUBLIC, task } from './store-helpers.ts';

/** Runs the scenarios of this topic over stores opened by `make`. */
export function writeScenarios(make: OpenStore): void {
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

  test('batch writes give every row its own increasing version, as the single writes do', async () => {
    const { store } = await make();
    const ids = ['b1', 'b2', 'b3', 'b4', 'b5'];
    const { inserted, updated, bumped } = await store.write(async (tx) => {
      await tx.writeAs('alice');
      const inserted = tx.insertRecords
        ? await tx.insertRecords(
            'tasks',
            ids.map((id) => ({ id, data: task(id) })),
          )
        : new Map(
            await Promise.all(
              ids.map(async (id) => [id, await tx.insertRecord('tasks', id, task(id))] as const),
            ),
          );
      const patches = [
        { id: 'b1', patch: { done: true } },
        { id: 'b2', patch: { done: true, rank: 2 } },
        { id: 'b3', patch: { done: false } },
        // A scope column moves: the write must still leave its gone-marker for list L1.
        { id: 'b4', patch: { listId: 'L2' } },
      ];
      const updated = tx.updateRecords
        ? await tx.updateRecords('tasks', patches)
        : new Map(
            await Promise.all(
              patches.map(async (p) => [p.id, await tx.updateRecord('tasks', p.id, p.patch)] as const),
            ),
          );
      // Plain SQL in the same transaction on a row the batch just wrote: it gets a version of its own.
      await tx.all('UPDATE tasks SET title = ? WHERE id = ?', ['edited in sql', 'b1']);
      const bumped = (await tx.getRecord('tasks', 'b1'))!;
      return { inserted, updated, bumped };
    });
    const versions = [...inserted.values(), ...updated.values()].map((r) => r.version);
    expect(new Set(versions).size).toBe(versions.length);
    const lastInsert = Math.max(...[...inserted.values()].map((r) => r.version));
    for (const r of updated.values()) expect(r.version).toBeGreaterThan(lastInsert);
    expect(bumped.record.version).toBeGreaterThan(Math.max(...versions));
    expect(bumped.record.title).toBe('edited in sql');
    for (const r of [...inserted.values(), ...updated.values()]) expect(r.updatedBy).toBe('alice');
    expect(updated.get('b2')).toMatchObject({ done: true, rank: 2, title: 'b2' });
    // Every answered record is the stored one, field versions included.
    for (const id of ['b2', 'b3', 'b4', 'b5']) {
      const stored = (await store.write((tx) => tx.getRecord('tasks', id)))!;
      expect(stored.record).toEqual(updated.get(id) ?? inserted.get(id));
    }
    const b2 = (await store.write((tx) => tx.getRecord('tasks', 'b2')))!;
    expect(b2.fieldVersions.done).toBe(updated.get('b2')!.version);
    expect(b2.fieldVersions.rank).toBe(updated.get('b2')!.version);
    expect(b2.fieldVersions.title ?? 0).toBeLessThan(updated.get('b2')!.version);
    // An unchanged value is no change of the field.
    const b3 = (await store.write((tx) => tx.getRecord('tasks', 'b3')))!;
    expect(b3.fieldVersions.done ?? 0).toBeLessThan(updated.get('b3')!.version);
    // Pages of one row deliver each row once (commit order, then id on PostgreSQL); b4 left L1 with a tombstone.
    const all = (await drain(store, null, PUBLIC, 1)).changes;
    expect(all.map((c) => c.id).sort()).toEqual(ids);
    const l1 = (await drain(store, null, keys('L1'), 1)).changes;
    expect(l1.find((c) => c.id === 'b4')?.deletedAt).not.toBeNull();
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

  test('recordPush (where the store has it) leaves what saveOutcomes, setLastSeq and pruneOutcomes leave', async () => {
    const { store } = await make();
    const dup = (seq: number) => ({ seq, status: 'duplicate' as const });
    await store.write(async (tx) => {
      await tx.lockClient('c1', 'alice');
      await tx.saveOutcome('c1', 1, dup(1));
      await tx.saveOutcome('c1', 4, {
        seq: 4,
        status: 'rejected',
        code: 'invalid',
        message: 'old',
        issues: [],
      });
    });
    // Seqs 3–6 of one push with a retention of 3: 1 and 3 age out, 4 is overwritten.
    const results = [3, 4, 5, 6].map(dup);
    await store.write(async (tx) => {
      if (tx.recordPush) return tx.recordPush('c1', results, 6, 4);
      if (tx.saveOutcomes) await tx.saveOutcomes('c1', results);
      else for (const r of results) await tx.saveOutcome('c1', r.seq, r);
      await tx.setLastSeq('c1', 6);
      await tx.pruneOutcomes('c1', 4);
    });
    expect(await store.write((tx) => tx.lockClient('c1', 'alice'))).toEqual({ userId: 'alice', lastSeq: 6 });
    const kept = await store.write((tx) => tx.getOutcomes('c1', [1, 2, 3, 4, 5, 6]));
    expect([...kept.entries()].sort(([a], [b]) => a - b)).toEqual([
      [4, dup(4)],
      [5, dup(5)],
      [6, dup(6)],
    ]);
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

  test('clientUser answers the first user of a client id, null for an unknown one', async () => {
    const { store } = await make();
    if (!store.clientUser) return;
    expect(await store.clientUser('c1')).toBeNull();
    await store.write((tx) => tx.lockClient('c1', 'alice'));
    await store.write((tx) => tx.lockClient('c1', 'bob'));
    expect(await store.clientUser('c1')).toBe('alice');
  });
}
