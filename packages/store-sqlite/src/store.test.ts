import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runLocalStoreSuite } from '@syncline/client/conformance';
import { defineSchema, SynclineError, t } from '@syncline/core';
import Database from 'better-sqlite3';
import { afterAll, afterEach, describe, expect, test } from 'vitest';
import type { SqliteDriver } from './driver.ts';
import { betterSqlite3Driver } from './drivers/better-sqlite3/index.ts';
import { createSqliteLocalStore } from './index.ts';

const dir = mkdtempSync(join(tmpdir(), 'syncline-store-sqlite-'));
let n = 0;
const newLocation = () => join(dir, `db-${++n}.sqlite`);
const cleanup = (path: string) => {
  for (const suffix of ['', '-wal', '-shm']) rmSync(path + suffix, { force: true });
};
afterAll(() => rmSync(dir, { recursive: true, force: true }));

runLocalStoreSuite(
  'sqlite (better-sqlite3 file via { path })',
  { create: (path) => createSqliteLocalStore({ path }), newLocation, cleanup },
  { persistent: true },
);

/** The same library behind Promise-returning methods: the shape of an asynchronous driver such as op-sqlite. */
function asyncDriver(inner: SqliteDriver): SqliteDriver {
  return {
    exec: async (sql) => inner.exec(sql),
    run: async (sql, params) => inner.run(sql, params),
    all: async (sql, params) => inner.all(sql, params),
    close: async () => inner.close(),
  };
}

runLocalStoreSuite(
  'sqlite (asynchronous driver)',
  { create: (path) => createSqliteLocalStore(asyncDriver(betterSqlite3Driver(path))), newLocation, cleanup },
  { persistent: true },
);

describe('sqlite store specifics', () => {
  const schema = defineSchema({
    taskItems: {
      columns: {
        listId: t.text(),
        title: t.text(),
        done: t.boolean(),
        dueAt: t.timestamp().optional(),
        tags: t.json().optional(),
      },
      indexes: { byList: ['listId', 'done'] },
    },
  });
  const opened: Array<{ close(): unknown }> = [];
  afterEach(async () => {
    for (const c of opened.splice(0)) await c.close();
  });

  async function openStore(path = newLocation()) {
    const db = new Database(path);
    const store = createSqliteLocalStore(betterSqlite3Driver(db));
    opened.push(store, db);
    await store.open(schema);
    return { path, db, store };
  }

  const row = (id: string, title: string, done: boolean) => ({
    id,
    version: 3,
    updatedAt: '2026-11-25T13:00:00.000Z',
    updatedBy: null,
    deletedAt: null,
    listId: 'l1',
    title,
    done,
    dueAt: null,
    tags: ['a'],
  });

  test('the app reads visible rows with plain SQL through its own connection', async () => {
    const { path, store } = await openStore();
    await store.write(async (tx) => {
      await tx.putRecord('taskItems', {
        id: 'a',
        base: row('a', 'Milk', false),
        row: row('a', 'Milk', true),
        pending: 1,
        marked: false,
      });
      await tx.putRecord('taskItems', {
        id: 'b',
        base: row('b', 'Eggs', false),
        row: null,
        pending: 1,
        marked: false,
      });
    });
    const app = new Database(path, { readonly: true });
    opened.push(app);
    const rows = app
      .prepare(
        'SELECT id, list_id, title, done, due_at, tags, version FROM task_items WHERE _visible = 1 ORDER BY id',
      )
      .all();
    expect(rows).toEqual([
      { id: 'a', list_id: 'l1', title: 'Milk', done: 1, due_at: null, tags: '["a"]', version: 3 },
    ]);
    const plan = app
      .prepare(
        "EXPLAIN QUERY PLAN SELECT id FROM task_items WHERE _visible = 1 AND list_id = 'l1' AND done = 0",
      )
      .all();
    expect(JSON.stringify(plan)).toContain('task_items__by_list');
    expect(app.pragma('journal_mode', { simple: true })).toBe('wal');
  });

  test('a table from before updatedBy gains its column; old rows read null, new ones keep it', async () => {
    const path = newLocation();
    const raw = new Database(path);
    raw.exec(
      `CREATE TABLE task_items ("id" TEXT PRIMARY KEY NOT NULL, "version" INTEGER NOT NULL, "updated_at" TEXT, "deleted_at" TEXT,
         "list_id" TEXT, "title" TEXT, "done" INTEGER, "due_at" TEXT, "tags" TEXT,
         "_visible" INTEGER NOT NULL, "_base" TEXT, "_pending" INTEGER NOT NULL DEFAULT 0, "_marked" INTEGER NOT NULL DEFAULT 0);
       INSERT INTO task_items (id, version, list_id, title, done, _visible) VALUES ('old', 1, 'l1', 'Old', 0, 1);`,
    );
    raw.close();
    const { store } = await openStore(path);
    expect(await store.read((tx) => tx.query('taskItems', {}))).toEqual([
      expect.objectContaining({ id: 'old', updatedBy: null }),
    ]);
    await store.write((tx) =>
      tx.putRecord('taskItems', {
        id: 'new',
        base: { ...row('new', 'New', false), updatedBy: 'alice' },
        row: { ...row('new', 'New', false), updatedBy: 'alice' },
        pending: 0,
        marked: false,
      }),
    );
    expect(await store.read((tx) => tx.query('taskItems', { where: { updatedBy: 'alice' } }))).toEqual([
      expect.objectContaining({ id: 'new', updatedBy: 'alice' }),
    ]);
  });

  test('rows the app writes with plain SQL are read back by the store', async () => {
    const { db, store } = await openStore();
    db.prepare(
      "INSERT INTO task_items (id, version, list_id, title, done, _visible) VALUES ('z', 0, 'l2', 'From SQL', 1, 1)",
    ).run();
    expect(await store.read((tx) => tx.query('taskItems', { where: { listId: 'l2' } }))).toEqual([
      {
        id: 'z',
        version: 0,
        updatedAt: null,
        updatedBy: null,
        deletedAt: null,
        listId: 'l2',
        title: 'From SQL',
        done: true,
        dueAt: null,
        tags: null,
      },
    ]);
  });

  test('a full disk surfaces as SynclineError storage and the write rolls back', async () => {
    const { db, store } = await openStore();
    db.pragma(`max_page_count = ${Number(db.pragma('page_count', { simple: true })) + 2}`);
    const many = Array.from({ length: 2_000 }, (_, i) => {
      const r = row(`id-${i}`, 'x'.repeat(200), false);
      return { id: r.id, base: r, row: r, pending: 0, marked: false };
    });
    const error = await store.write((tx) => tx.putRecords('taskItems', many)).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(SynclineError);
    expect(error).toMatchObject({ code: 'storage', details: { sqliteCode: 'SQLITE_FULL' } });
    expect((error as SynclineError).message).toMatch(/full/);
    expect((error as SynclineError).cause).toBeInstanceOf(Error);
    expect(await store.read((tx) => tx.query('taskItems', {}))).toEqual([]);
    // The store stays usable once there is room again.
    db.pragma('max_page_count = 1073741823');
    await store.write((tx) => tx.putRecords('taskItems', many.slice(0, 10)));
    expect(await store.read((tx) => tx.query('taskItems', {}))).toHaveLength(10);
  });

  test('a path that cannot be opened fails open() with SynclineError storage', async () => {
    const store = createSqliteLocalStore({ path: join(dir, 'missing-dir', 'x.db') });
    await expect(store.open(schema)).rejects.toMatchObject({ name: 'SynclineError', code: 'storage' });
    await store.close();
  });

  test('a read called right after a write (without awaiting it) sees that write: transactions run in call order', async () => {
    const { store } = await openStore();
    const written = store.write((tx) => tx.setMeta('k', 'v'));
    const read = store.read((tx) => tx.getMeta('k'));
    await written;
    expect(await read).toBe('v');
  });

  test('a transaction object cannot be used after its callback returned', async () => {
    const { store } = await openStore();
    let leaked: Parameters<Parameters<typeof store.write>[0]>[0] | undefined;
    await store.write(async (tx) => {
      leaked = tx;
    });
    await expect(leaked?.setMeta('k', 1)).rejects.toMatchObject({ code: 'closed' });
  });

  test('reopening creates new tables, adds new columns with ALTER TABLE and follows index changes', async () => {
    const { path, store, db } = await openStore();
    await store.close();
    const next = defineSchema({
      taskItems: {
        ...schema.collections.taskItems,
        columns: { ...schema.collections.taskItems.columns, priority: t.integer().optional() },
        indexes: { byList: ['listId', 'priority'], byTitle: ['title'] },
      },
      listNames: { columns: { name: t.text() } },
    });
    const again = createSqliteLocalStore(betterSqlite3Driver(path));
    opened.push(again);
    expect(await again.open(next)).toEqual({ added: ['listNames'], changed: ['taskItems'] });
    const columns = db
      .prepare("SELECT name FROM pragma_table_info('task_items')")
      .all()
      .map((r) => (r as { name: string }).name);
    expect(columns).toContain('priority');
    expect(db.prepare("SELECT name FROM sqlite_master WHERE name = 'list_names'").get()).toBeTruthy();
    const indexColumns = (name: string) =>
      db
        .prepare('SELECT name FROM pragma_index_info(?) ORDER BY seqno')
        .all(name)
        .map((r) => (r as { name: string }).name);
    expect(indexColumns('task_items__by_list')).toEqual(['_visible', 'list_id', 'priority']);
    expect(indexColumns('task_items__by_title')).toEqual(['_visible', 'title']);
    // Back to the first schema: the extra index goes, the rebuilt one returns to its first columns.
    await again.close();
    const third = createSqliteLocalStore(betterSqlite3Driver(path));
    opened.push(third);
    expect(await third.open(schema)).toEqual({ added: [], changed: ['taskItems'] });
    expect(indexColumns('task_items__by_list')).toEqual(['_visible', 'list_id', 'done']);
    expect(indexColumns('task_items__by_title')).toEqual([]);
  });
});
