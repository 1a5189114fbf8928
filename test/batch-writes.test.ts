/**
 * Issue 19, the batch write API (`insertMany`, `updateMany`, `deleteMany`) on every LocalStore:
 * the in-memory store, SQLite (better-sqlite3, a real file) and IndexedDB (fake-indexeddb). Each
 * call is one local transaction, all or nothing; live queries hear of it once; and the records
 * and outbox it leaves are exactly those the same writes made one by one leave.
 */
import { join } from 'node:path';
import { createClient, createMemoryStore, type LocalStore } from '@syncline/client';
import { defineSchema, SynclineError, t } from '@syncline/core';
import { createIndexedDbStore } from '@syncline/store-indexeddb';
import { createSqliteLocalStore } from '@syncline/store-sqlite';
import { IDBFactory, IDBKeyRange } from 'fake-indexeddb';
import { afterAll, describe, expect, test } from 'vitest';
import { tempDir } from './helpers/server.ts';

const schema = defineSchema({
  notes: { columns: { title: t.text(), n: t.integer().default(0) } },
  tags: { columns: { label: t.text() } },
});

const dir = tempDir('syncline-batch-');
afterAll(() => dir.cleanup());
const idb = { indexedDB: new IDBFactory(), IDBKeyRange };
let made = 0;

const stores: Array<[string, () => LocalStore]> = [
  ['memory', () => createMemoryStore()],
  ['sqlite (better-sqlite3)', () => createSqliteLocalStore({ path: join(dir.path, `s${made++}.db`) })],
  ['indexeddb (fake-indexeddb)', () => createIndexedDbStore({ name: `batch-${made++}`, idb })],
];

describe.each(stores)('batch writes on %s', (_name, makeStore) => {
  /** A client that never syncs (nothing starts the loop), over a fresh store. */
  function local() {
    const store = makeStore();
    let n = 0;
    const client = createClient({
      schema,
      url: 'http://127.0.0.1:9/sync',
      store,
      realtime: false,
      ids: () => `gen-${String(n++).padStart(5, '0')}`,
    });
    const outbox = () => store.read((tx) => tx.outbox());
    const records = (ids: string[]) =>
      store.read(async (tx) => Promise.all(ids.map((id) => tx.getRecord('notes', id))));
    return { client, store, outbox, records };
  }

  test('insertMany commits 2,000 rows and their outbox entries, answers the rows in order, tells live queries once', async () => {
    const { client, outbox } = local();
    const seen: number[] = [];
    let delivered: () => void = () => undefined;
    const delivery = () => new Promise<void>((resolve) => (delivered = resolve));
    let next = delivery();
    client.db.notes.watch({}, (rows) => {
      seen.push(rows.length);
      delivered();
    });
    await next;
    next = delivery();
    const rows = Array.from({ length: 2000 }, (_, i) => ({ title: `t${i}`, n: i }));
    const out = await client.db.notes.insertMany(rows);
    expect(out.map((r) => r.n)).toEqual(rows.map((r) => r.n));
    expect(out[0]).toEqual({
      id: expect.stringMatching(/^gen-/),
      version: 0,
      updatedAt: null,
      updatedBy: null,
      deletedAt: null,
      title: 't0',
      n: 0,
    });
    expect(await client.db.notes.find()).toHaveLength(2000);
    expect(await outbox()).toHaveLength(2000);
    expect(client.status.pending).toBe(2000);
    expect(new Set(out.map((r) => r.id)).size).toBe(2000);
    expect(await client.db.notes.isPending(out[1999]!.id)).toBe(true);
    await next;
    // The watcher saw the empty table, then all 2,000 rows: never a part of the batch.
    next = delivery();
    await client.db.notes.insert({ title: 'one more' });
    await next;
    expect(seen).toEqual([0, 2000, 2001]);
    await client.close();
  });

  test('one invalid row refuses the whole insertMany, naming its index; nothing is written', async () => {
    const { client, outbox } = local();
    await client.db.notes.insert({ id: 'taken', title: 'old' });
    const rows = Array.from({ length: 600 }, (_, i) => ({ title: `t${i}` }));
    const bad = [...rows];
    bad[437] = { title: 42 as unknown as string };
    const refused = await client.db.notes.insertMany(bad).catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(SynclineError);
    expect(refused).toMatchObject({ code: 'invalid', details: { index: 437 } });
    expect((refused as Error).message).toMatch(/insertMany: row 437 .*nothing was written.*title/);
    await expect(client.db.notes.insertMany([...rows, { id: 'taken', title: 'dup' }])).rejects.toMatchObject({
      code: 'conflict',
      details: { index: 600, id: 'taken' },
    });
    await expect(
      client.db.notes.insertMany([{ id: 'twice', title: 'a' }, { title: 'b' }, { id: 'twice', title: 'c' }]),
    ).rejects.toThrow(/row 2 \(id "twice"\).*also the id of row 0/);
    await expect(client.db.notes.insertMany([{ id: '', title: 'a' }])).rejects.toMatchObject({
      code: 'invalid',
      details: { index: 0 },
    });
    await expect(client.db.notes.insertMany({} as never)).rejects.toThrow(/takes an array/);
    expect((await client.db.notes.find()).map((r) => r.id)).toEqual(['taken']);
    expect(await outbox()).toHaveLength(1);
    await client.close();
  });

  test('updateMany applies changes in order (an id may repeat); a missing id refuses them all', async () => {
    const { client, outbox } = local();
    const rows = await client.db.notes.insertMany(
      Array.from({ length: 300 }, (_, i) => ({ title: `t${i}` })),
    );
    const changes = rows.map((r, i) => ({ id: r.id, patch: { n: i } }));
    const missing = [...changes.slice(0, 200), { id: 'nope', patch: { n: 1 } }, ...changes.slice(200)];
    await expect(client.db.notes.updateMany(missing)).rejects.toMatchObject({
      code: 'not_found',
      details: { index: 200, id: 'nope' },
    });
    await expect(
      client.db.notes.updateMany([{ id: rows[0]!.id, patch: { n: 'x' as never } }]),
    ).rejects.toMatchObject({
      code: 'invalid',
      details: { index: 0 },
    });
    expect((await client.db.notes.find()).every((r) => r.n === 0)).toBe(true);
    expect(await outbox()).toHaveLength(300);
    const out = await client.db.notes.updateMany([
      ...changes,
      { id: rows[0]!.id, patch: { title: 'again' } },
    ]);
    expect(out.at(-1)).toMatchObject({ id: rows[0]!.id, n: 0, title: 'again' });
    expect((await client.db.notes.find()).map((r) => r.n)).toEqual(rows.map((_, i) => i));
    expect(await outbox()).toHaveLength(601);
    await client.close();
  });

  test('deleteMany removes every record; an id not on the device, or given twice, refuses them all', async () => {
    const { client } = local();
    const rows = await client.db.notes.insertMany(Array.from({ length: 50 }, (_, i) => ({ title: `t${i}` })));
    const ids = rows.map((r) => r.id);
    await expect(client.db.notes.deleteMany([...ids, 'nope'])).rejects.toMatchObject({
      code: 'not_found',
      details: { index: 50 },
    });
    await expect(client.db.notes.deleteMany([ids[0]!, ids[0]!])).rejects.toMatchObject({
      code: 'not_found',
      details: { index: 1 },
    });
    expect(await client.db.notes.find()).toHaveLength(50);
    await client.db.notes.deleteMany(ids.slice(0, 40));
    expect((await client.db.notes.find()).map((r) => r.id)).toEqual(ids.slice(40));
    // Insert then delete, both pending: the record stays until the push drops both entries.
    expect(await client.db.notes.isPending(ids[0]!)).toBe(true);
    await client.close();
  });

  test('empty batches write nothing and tell no one', async () => {
    const { client, outbox } = local();
    expect(await client.db.notes.insertMany([])).toEqual([]);
    expect(await client.db.notes.updateMany([])).toEqual([]);
    await client.db.notes.deleteMany([]);
    expect(await outbox()).toEqual([]);
    await client.close();
  });

  test('a batch leaves exactly the records and outbox entries the same writes made one by one leave', async () => {
    const one = local();
    const many = local();
    const ids = Array.from({ length: 40 }, (_, i) => `r${String(i).padStart(2, '0')}`);
    const rows = ids.map((id, i) => ({ id, title: `t${i}`, n: i }));
    for (const r of rows) await one.client.db.notes.insert(r);
    await many.client.db.notes.insertMany(rows);
    const changes = ids.slice(0, 30).map((id, i) => ({ id, patch: { n: 100 + i } }));
    changes.push({ id: 'r05', patch: { n: 7 } });
    for (const c of changes) await one.client.db.notes.update(c.id, c.patch);
    await many.client.db.notes.updateMany(changes);
    const gone = ids.slice(20, 35);
    for (const id of gone) await one.client.db.notes.delete(id);
    await many.client.db.notes.deleteMany(gone);
    const shape = (entries: Awaited<ReturnType<typeof one.outbox>>) =>
      entries.map(({ key: _k, createdAt: _c, ...e }) => e);
    expect(shape(await many.outbox())).toEqual(shape(await one.outbox()));
    expect(await many.records(ids)).toEqual(await one.records(ids));
    expect(await many.client.db.notes.find()).toEqual(await one.client.db.notes.find());
    await one.client.close();
    await many.client.close();
  });
});
