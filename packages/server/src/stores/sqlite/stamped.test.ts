/**
 * The push's stamped batch writes (stamped.ts, decision 0031) leave exactly what the triggers
 * leave for the same writes one at a time, answer what a read gives, and stand aside (the
 * triggers stamp) wherever they cannot be sure.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { WireRecord } from '@syncline/core';
import { defineSchema, t } from '@syncline/core';
import Database from 'better-sqlite3';
import { afterAll, expect, test } from 'vitest';
import type { WriteTx } from '../types.ts';
import { createSqliteStore, type SqliteStore } from './store.ts';

const dir = mkdtempSync(join(tmpdir(), 'syncline-sqlite-stamped-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
let n = 0;

const schema = defineSchema({
  items: {
    columns: {
      owner: t.text(),
      title: t.text(),
      done: t.boolean().default(false),
      rank: t.integer().default(7),
      weight: t.real().default(0),
      meta: t.json().optional(),
      note: t.text().optional(),
    },
  },
});

async function open(setup?: (db: Database.Database) => void): Promise<SqliteStore> {
  const path = join(dir, `db-${++n}.sqlite`);
  if (setup) {
    const db = new Database(path);
    setup(db);
    db.close();
  }
  const store = createSqliteStore({ path, schema, scopeColumns: { items: 'owner' } });
  await store.migrate();
  return store;
}

const rows = [
  {
    id: 'a',
    data: { owner: 'u1', title: 'A', done: true, rank: 1, weight: 1.5, meta: { x: [1] }, note: null },
  },
  { id: 'b', data: { owner: 'u1', title: 'B', done: false, rank: 2, weight: 3, meta: null, note: 'n' } },
  // Not every column: the table's defaults fill the rest.
  { id: 'c', data: { owner: 'u2', title: 'C' } },
];
const patches = [
  { id: 'a', patch: { done: false } },
  { id: 'b', patch: { title: 'B2', weight: 3 } },
  // A scope column moves: the update trigger's gone-marker is needed.
  { id: 'c', patch: { owner: 'u3' } },
];

/** The batch as insertRecords/updateRecords, or one record at a time. */
async function write(store: SqliteStore, batch: boolean) {
  return store.write(async (tx: WriteTx) => {
    await tx.writeAs('alice');
    const inserted = batch
      ? await tx.insertRecords!('items', rows)
      : new Map(
          await Promise.all(
            rows.map(async (r) => [r.id, await tx.insertRecord('items', r.id, r.data)] as const),
          ),
        );
    const updated = batch
      ? await tx.updateRecords!('items', patches)
      : new Map(
          await Promise.all(
            patches.map(async (p) => [p.id, await tx.updateRecord('items', p.id, p.patch)] as const),
          ),
        );
    const read = await tx.getRecords!(
      'items',
      rows.map((r) => r.id),
    );
    return { inserted, updated, read };
  });
}

const withoutTime = (r: WireRecord) => ({ ...r, updatedAt: '' });
const dump = (store: SqliteStore) => ({
  rows: store.db
    .prepare(
      'SELECT id, version, updated_by, _fv, owner, done, rank, weight, meta, note FROM items ORDER BY id',
    )
    .all(),
  gone: store.db.prepare('SELECT collection, id, version, old FROM _syncline_gone ORDER BY version').all(),
  counter: store.db.prepare('SELECT value FROM _syncline_counter').get(),
  meta: store.db.prepare("SELECT key FROM _syncline_meta WHERE key <> 'generation' ORDER BY key").all(),
});

test('stamped batch writes leave what the triggers leave for the same writes one at a time', async () => {
  const batched = await open();
  const single = await open();
  const b = await write(batched, true);
  const s = await write(single, false);
  expect(dump(batched)).toEqual(dump(single));
  for (const id of ['a', 'b', 'c']) {
    expect(withoutTime(b.inserted.get(id)!)).toEqual(withoutTime(s.inserted.get(id)!));
    expect(withoutTime(b.updated.get(id)!)).toEqual(withoutTime(s.updated.get(id)!));
    // The answer is what a read gives.
    expect(b.updated.get(id)).toEqual(b.read.get(id)!.record);
    expect(b.read.get(id)!.fieldVersions).toEqual(s.read.get(id)!.fieldVersions);
  }
  // Every row its own version, in the batch's order.
  const versions = [...b.inserted.values(), ...b.updated.values()].map((r) => r.version);
  expect(new Set(versions).size).toBe(versions.length);
  expect(versions).toEqual([...versions].sort((x, y) => x - y));
  await batched.close();
  await single.close();
});

test('after a stamped batch, plain SQL on another connection is stamped by the triggers', async () => {
  const store = await open();
  const { inserted } = await write(store, true);
  const top = Math.max(...[...inserted.values()].map((r) => r.version));
  const other = new Database(store.db.name);
  other.prepare("INSERT INTO items (id, owner, title) VALUES ('p', 'u1', 'plain')").run();
  other.prepare("UPDATE items SET title = 'plain2' WHERE id = 'a'").run();
  other.close();
  const [p, a] = (await store.records('items', ['p', 'a'])).sort((x, y) => x.id.localeCompare(y.id));
  expect(a!.version).toBeGreaterThan(top);
  expect(p!.version).toBeGreaterThan(top);
  expect(p!.updatedBy).toBeNull();
  await store.close();
});

test('triggers that predate the stamping row, and app tables of other types, are written through the triggers or read back', async () => {
  // An app's own table: rank declared TEXT, so 1 is stored (and read) as text.
  const app = await open((db) =>
    db.exec(
      'CREATE TABLE items (id TEXT PRIMARY KEY NOT NULL, owner TEXT, title TEXT, done INTEGER DEFAULT 0, rank TEXT DEFAULT 7, weight REAL DEFAULT 0, meta TEXT, note TEXT)',
    ),
  );
  const fromApp = await write(app, true);
  expect(fromApp.updated.get('a')).toEqual(fromApp.read.get('a')!.record);
  expect(typeof fromApp.inserted.get('a')!.rank).toBe('string');
  await app.close();

  const old = await open();
  // The insert trigger of an older migrate: it would stamp over the statement's own stamp.
  const ai = old.db.prepare("SELECT sql FROM sqlite_master WHERE name = 'items__sl_ai'").get() as {
    sql: string;
  };
  old.db.exec('DROP TRIGGER items__sl_ai');
  old.db.exec(ai.sql.replace(/WHEN NOT EXISTS \([^)]*\) /, ''));
  const fresh = await open();
  const a = await write(old, true);
  await write(fresh, false);
  expect(dump(old)).toEqual(dump(fresh));
  expect(a.updated.get('a')).toEqual(a.read.get('a')!.record);
  await old.close();
  await fresh.close();
});
