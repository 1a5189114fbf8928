/**
 * The bulk paths: a pull page's (decision 0028: `_base` read back from the row, multi-row upserts)
 * and a batch write's (decision 0030: the outbox entries in one statement).
 */
import { createClient, type LocalRecord } from '@syncline/client';
import { defineSchema, t, type WireRecord } from '@syncline/core';
import Database from 'better-sqlite3';
import { afterEach, describe, expect, test } from 'vitest';
import type { SqliteDriver } from './driver.ts';
import { betterSqlite3Driver } from './drivers/better-sqlite3/index.ts';
import { createSqliteLocalStore } from './index.ts';
import { UPSERT_ROWS } from './table.ts';

const schema = defineSchema({
  notes: {
    columns: {
      title: t.text(),
      done: t.boolean(),
      rank: t.integer(),
      score: t.real().optional(),
      dueAt: t.timestamp().optional(),
      tags: t.json().optional(),
    },
  },
});

const base = (id: string, extra: Partial<WireRecord> = {}): WireRecord => ({
  id,
  version: 4,
  updatedAt: '2026-11-25T13:00:00.000Z',
  updatedBy: 'u1',
  deletedAt: null,
  title: `title ${id}`,
  done: true,
  rank: 7,
  score: 1.5,
  dueAt: null,
  tags: { a: [1, 'x', null] },
  ...extra,
});
const pulled = (b: WireRecord): LocalRecord => ({
  id: b.id,
  base: b,
  row: { ...b, updatedAt: b.updatedAt ?? null, updatedBy: b.updatedBy ?? null },
  pending: 0,
  marked: false,
});

const opened: Array<{ close(): unknown }> = [];
afterEach(async () => {
  for (const c of opened.splice(0)) await c.close();
});
async function openStore() {
  const db = new Database(':memory:');
  const store = createSqliteLocalStore(betterSqlite3Driver(db));
  opened.push(store, db);
  await store.open(schema);
  return { db, store };
}

describe('sqlite bulk path', () => {
  test('a base equal to its row is stored as "=" and read back equal; any other base as JSON', async () => {
    const { db, store } = await openStore();
    const records: LocalRecord[] = [
      pulled(base('same')),
      pulled(base('nullUpdatedBy', { updatedBy: null, tags: null, score: null })),
      // A JSON column holding a string comes back as that string.
      pulled(base('jsonText', { tags: 'text' })),
      // A field of a newer server schema, an absent optional metadata field:
      pulled(base('extra', { priority: 2 })),
      pulled(base('noUpdatedBy', { updatedBy: undefined })),
      // Pending ops over the base: the row differs.
      { ...pulled(base('pending')), row: { ...pulled(base('pending')).row!, title: 'edited' }, pending: 1 },
      // A boolean column holding 1 (encode accepts it, decode answers true).
      pulled(base('oneForTrue', { done: 1 as unknown as boolean })),
    ];
    await store.write((tx) => tx.putRecords('notes', records));
    const stored = Object.fromEntries(
      (db.prepare('SELECT id, _base FROM notes').all() as Array<{ id: string; _base: string }>).map((r) => [
        r.id,
        r._base,
      ]),
    );
    expect(stored.same).toBe('=');
    expect(stored.nullUpdatedBy).toBe('=');
    expect(stored.jsonText).toBe('=');
    for (const id of ['extra', 'noUpdatedBy', 'pending', 'oneForTrue'])
      expect(JSON.parse(stored[id]!)).toEqual(records.find((r) => r.id === id)!.base);
    const back = await store.read((tx) =>
      tx.getRecords(
        'notes',
        records.map((r) => r.id),
      ),
    );
    for (const r of records) {
      expect(back.get(r.id)!.base).toEqual(r.base);
      expect(await store.read((tx) => tx.getRecord('notes', r.id))).toEqual(back.get(r.id));
    }
    // The record read back is a copy: changing its base leaves its row alone.
    const same = back.get('same')!;
    (same.base as Record<string, unknown>).title = 'changed';
    expect(same.row!.title).toBe('title same');
  });

  test('putRecords across several multi-row chunks: every row stored, a later duplicate id wins', async () => {
    const { db, store } = await openStore();
    const n = UPSERT_ROWS * 2 + 5;
    const records = Array.from({ length: n }, (_, i) => pulled(base(`r${String(i).padStart(4, '0')}`)));
    // The same id again inside the first chunk, and once more among the rows past the chunks.
    records[3] = pulled(base('r0000', { title: 'second' }));
    records[n - 1] = pulled(base('r0000', { title: 'third' }));
    await store.write((tx) => tx.putRecords('notes', records));
    expect((db.prepare('SELECT count(*) AS n FROM notes').get() as { n: number }).n).toBe(n - 2);
    const first = await store.read((tx) => tx.getRecord('notes', 'r0000'));
    expect(first!.row!.title).toBe('third');
    expect(first!.base).toEqual(base('r0000', { title: 'third' }));
    // Over an existing row, a chunk updates it.
    await store.write((tx) =>
      tx.putRecords(
        'notes',
        records.slice(0, UPSERT_ROWS).map((r) => ({ ...r, marked: true })),
      ),
    );
    expect((db.prepare('SELECT count(*) AS n FROM notes WHERE _marked = 1').get() as { n: number }).n).toBe(
      UPSERT_ROWS - 1,
    );
  });

  test('insertMany writes its outbox entries with a few statements, not one per row', async () => {
    const db = new Database(':memory:');
    const driver = betterSqlite3Driver(db);
    const outboxInserts: number[] = [];
    const counting: SqliteDriver = {
      ...driver,
      run(sql, params) {
        if (sql.startsWith('INSERT INTO "_syncline_outbox"')) outboxInserts.push(params?.length ?? 0);
        return driver.run(sql, params);
      },
    };
    const client = createClient({
      schema,
      url: 'http://127.0.0.1:9/sync',
      store: createSqliteLocalStore(counting),
      realtime: false,
    });
    opened.push(client, db);
    const rows = Array.from({ length: 5000 }, (_, i) => ({
      title: `t${i}`,
      done: false,
      rank: i,
      tags: { i },
    }));
    const written = await client.db.notes.insertMany(rows);
    // 5,000 entries as two JSON arrays of at most 4,096: two statements of three values each.
    expect(outboxInserts).toEqual([3, 3]);
    const outbox = db.prepare('SELECT record_id, op FROM _syncline_outbox ORDER BY key').all() as Array<{
      record_id: string;
      op: string;
    }>;
    expect(outbox.map((o) => o.record_id)).toEqual(written.map((r) => r.id));
    expect(JSON.parse(outbox[4999]!.op)).toEqual({
      op: 'insert',
      data: { ...rows[4999], score: null, dueAt: null },
    });
    expect(client.status.pending).toBe(5000);
  });
});
