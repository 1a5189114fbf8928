/**
 * Pull pages as JSON built by SQLite (decision 0033): the page's JSON is the text
 * `JSON.stringify` gives of the records the store reads as values (same keys, same order, same
 * values), for every column kind and for values plain SQL left behind; a row SQLite cannot spell as
 * JSON (a BLOB) falls back to the records path instead of failing the pull.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { defineSchema, t } from '@syncline/core';
import Database from 'better-sqlite3';
import { afterAll, expect, test } from 'vitest';
import type { StorePullRequest, StorePullResult } from '../types.ts';
import { createSqliteStore } from './store.ts';

const dir = mkdtempSync(join(tmpdir(), 'syncline-pull-json-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const schema = defineSchema({
  items: {
    columns: {
      title: t.text(),
      note: t.text().optional(),
      count: t.integer().optional(),
      ratio: t.real().optional(),
      done: t.boolean().optional(),
      meta: t.json().optional(),
      dueAt: t.timestamp().optional(),
    },
  },
});

const request = (position: string | null, limit: number): StorePullRequest => ({
  collections: [{ name: 'items', position, scope: { kind: 'public' } }],
  limit,
});

const text = (json: string | Uint8Array) => (typeof json === 'string' ? json : Buffer.from(json).toString());

async function store() {
  const path = join(dir, `json-${Math.random().toString(36).slice(2)}.sqlite`);
  const s = createSqliteStore({ path, schema });
  await s.migrate();
  return { s, path };
}

test('every page is the JSON of the records read as values: same keys, order and values', async () => {
  const { s, path } = await store();
  const rows: Array<[string, Record<string, unknown>]> = [
    ['a', { title: 'plain', note: null, count: 3, ratio: 0.1 + 0.2, done: true, meta: { x: [1, 2.5, 'y'] } }],
    ['b', { title: 'quote " backslash \\ tab \t nl \n ctl \u0001', done: false, meta: [] }],
    ['c', { title: 'ünïcødé 漢字 😀', ratio: -0, count: -(2 ** 53 - 1), meta: 'a string' }],
    ['d', { title: 'd', ratio: 1e-7, count: 2 ** 53 - 1, dueAt: '2026-12-01T00:00:00.000Z', meta: null }],
    ['e', { title: 'e', ratio: 123456789.12345679, meta: { nested: { deep: true, n: null } } }],
  ];
  for (const [id, data] of rows) await s.write((tx) => tx.insertRecord('items', id, data));
  await s.write((tx) => tx.softDelete('items', 'e'));
  // Values the server's writes never make, from plain SQL on another connection.
  const raw = new Database(path);
  raw.exec(`UPDATE items SET meta = 'not json {' WHERE id = 'a'`);
  raw.exec(`UPDATE items SET done = 7, ratio = 1e999 WHERE id = 'b'`);
  raw.exec(`UPDATE items SET count = 2.5, meta = '5' WHERE id = 'c'`);
  raw.close();

  let position: string | null = null;
  const seen: string[] = [];
  for (let n = 0; n < 10; n++) {
    const page: StorePullResult['collections'][string] = (await s.pull(request(position, 2))).collections
      .items!;
    expect(page.raw).toBeDefined();
    const records = await s.records(
      'items',
      (JSON.parse(text(page.raw!.json)) as Array<{ id: string }>).map((r) => r.id),
    );
    // Same keys in the same order and the same values; SQLite spells some reals otherwise (1.0e-07).
    expect(JSON.stringify(JSON.parse(text(page.raw!.json)))).toBe(JSON.stringify(records));
    // As the client parses them (the wire has no -0).
    expect(page.changes).toEqual(JSON.parse(JSON.stringify(records)));
    seen.push(...records.map((r) => r.id));
    position = page.position;
    if (!page.hasMore) break;
  }
  expect(seen.sort()).toEqual(['a', 'b', 'c', 'd', 'e']);
  await s.close();
});

test('rows of text, integers and booleans come byte for byte as JSON.stringify spells their records', async () => {
  const { s } = await store();
  for (let i = 0; i < 5; i++)
    await s.write((tx) =>
      tx.insertRecord('items', `r${i}`, { title: `t "${i}"`, count: i, done: i % 2 === 0 }),
    );
  const page = (await s.pull(request(null, 10))).collections.items!;
  const records = await s.records('items', ['r0', 'r1', 'r2', 'r3', 'r4']);
  expect(text(page.raw!.json)).toBe(JSON.stringify(records));
  await s.close();
});

test('a BLOB written by plain SQL falls back to the records path, and the page is the same', async () => {
  const { s, path } = await store();
  for (const id of ['a', 'b', 'c']) await s.write((tx) => tx.insertRecord('items', id, { title: id }));
  const raw = new Database(path);
  raw.prepare(`UPDATE items SET note = ? WHERE id = 'b'`).run(Buffer.from([1, 2, 3]));
  raw.close();
  const page = (await s.pull(request(null, 10))).collections.items!;
  // The UPDATE gave b the newest version.
  expect(page.changes.map((c) => c.id)).toEqual(['a', 'c', 'b']);
  expect(page.changes[2]!.note).toEqual(JSON.parse(JSON.stringify(Buffer.from([1, 2, 3]))));
  expect(page.hasMore).toBe(false);
  await s.close();
});

test('hasMore and the count are exact at a page boundary (the probe after the last row)', async () => {
  const { s } = await store();
  for (const id of ['a', 'b', 'c', 'd']) await s.write((tx) => tx.insertRecord('items', id, { title: id }));
  const two = (await s.pull(request(null, 2))).collections.items!;
  expect([two.raw?.count, two.hasMore]).toEqual([2, true]);
  const next = (await s.pull(request(two.position, 2))).collections.items!;
  expect([next.raw?.count, next.hasMore, next.changes.map((c) => c.id)]).toEqual([2, false, ['c', 'd']]);
  const all = (await s.pull(request(null, 4))).collections.items!;
  expect([all.raw?.count, all.hasMore]).toEqual([4, false]);
  await s.close();
});
