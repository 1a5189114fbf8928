/**
 * The next page read ahead (decision 0029): a request that follows a page with more is answered
 * from the page read ahead, and any write in between — through the store, by plain SQL on another
 * connection, or DDL — makes the store read the page afresh, so paging is that of fresh reads.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { defineSchema, t } from '@syncline/core';
import Database from 'better-sqlite3';
import { afterAll, expect, test } from 'vitest';
import type { StorePullRequest, StorePullResult } from '../types.ts';
import { aheadStats, changeMarker, nextRequest, PullAhead } from './pull-ahead.ts';
import { createSqliteStore } from './store.ts';

const dir = mkdtempSync(join(tmpdir(), 'syncline-pull-ahead-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const schema = defineSchema({ tasks: { columns: { title: t.text() } } });
const request = (position: string | null): StorePullRequest => ({
  collections: [{ name: 'tasks', position, scope: { kind: 'public' } }],
  limit: 1,
});
const page = (position: string, hasMore = true): StorePullResult => ({
  collections: { tasks: { changes: [], position, hasMore, reset: false } },
  remaining: hasMore ? 1 : 0,
});

/** Lets the read ahead (a setImmediate, then the store's mutex) run. */
const settle = async () => {
  for (let i = 0; i < 3; i++) await new Promise((r) => setImmediate(r));
};

async function seeded(rows: string[]) {
  const path = join(dir, `ahead-${Math.random().toString(36).slice(2)}.sqlite`);
  const store = createSqliteStore({ path, schema });
  await store.migrate();
  for (const id of rows) await store.write((tx) => tx.insertRecord('tasks', id, { title: id }));
  return { store, path };
}

/** Pages of one row each, by id, from the start. */
async function pullIds(
  store: ReturnType<typeof createSqliteStore>,
  between: (n: number) => Promise<void>,
): Promise<string[]> {
  const ids: string[] = [];
  let position: string | null = null;
  for (let n = 0; n < 20; n++) {
    const res = await store.pull(request(position));
    const got = res.collections.tasks!;
    ids.push(...got.changes.map((c) => `${c.id}:${c.title ?? 'gone'}`));
    position = got.position;
    if (!got.hasMore) break;
    await settle();
    await between(n);
  }
  return ids;
}

test('PullAhead answers the request once, at the same marker, and not after a change', () => {
  const ahead = new PullAhead();
  const r = request('p1');
  ahead.put(r, 'm1', page('p2'));
  expect(ahead.has(r)).toBe(true);
  expect(ahead.take(r, 'm2')).toBeUndefined();
  expect(ahead.has(r)).toBe(false);
  ahead.put(r, 'm1', page('p2'));
  expect(ahead.take(request('p0'), 'm1')).toBeUndefined();
  expect(ahead.take(r, 'm1')?.collections.tasks?.position).toBe('p2');
  expect(ahead.take(r, 'm1')).toBeUndefined();
});

test('PullAhead drops a page not asked for in time and keeps a bounded number', () => {
  let now = 0;
  const ahead = new PullAhead(() => now);
  ahead.put(request('old'), 'm', page('x'));
  now = 60_000;
  expect(ahead.take(request('old'), 'm')).toBeUndefined();
  for (let i = 0; i < 20; i++) ahead.put(request(`p${i}`), 'm', page(`q${i}`));
  expect(ahead.has(request('p0'))).toBe(false);
  expect(ahead.has(request('p19'))).toBe(true);
});

test('nextRequest keeps every read and moves it to its new position', () => {
  const r: StorePullRequest = {
    collections: [
      { name: 'tasks', key: 'tasks\u00000', position: null, scope: { kind: 'public' } },
      { name: 'tasks', key: 'tasks\u00001', position: 'a', scope: { kind: 'public' } },
    ],
    limit: 5,
  };
  const res: StorePullResult = {
    collections: {
      'tasks\u00000': { changes: [], position: 'b', hasMore: true, reset: false },
      'tasks\u00001': { changes: [], position: 'c', hasMore: false, reset: false },
    },
    remaining: 1,
  };
  expect(nextRequest(r, res).collections.map((c) => c.position)).toEqual(['b', 'c']);
  expect(nextRequest(r, res).limit).toBe(5);
});

test('the change marker moves on a write of this connection, of another one, and on DDL', () => {
  const path = join(dir, `marker-${Math.random().toString(36).slice(2)}.sqlite`);
  const db = new Database(path);
  const other = new Database(path);
  try {
    db.exec('CREATE TABLE x (v INTEGER)');
    const m0 = changeMarker(db);
    db.prepare('SELECT * FROM x').all();
    expect(changeMarker(db)).toBe(m0);
    db.prepare('INSERT INTO x VALUES (1)').run();
    const m1 = changeMarker(db);
    expect(m1).not.toBe(m0);
    other.prepare('INSERT INTO x VALUES (2)').run();
    const m2 = changeMarker(db);
    expect(m2).not.toBe(m1);
    other.exec('CREATE TABLE y (v INTEGER)');
    expect(changeMarker(db)).not.toBe(m2);
  } finally {
    other.close();
    db.close();
  }
});

test('an unchanged database answers the next pages from the pages read ahead', async () => {
  const { store } = await seeded(['a', 'b', 'c', 'd']);
  try {
    const before = aheadStats.hits;
    expect(await pullIds(store, async () => {})).toEqual(['a:a', 'b:b', 'c:c', 'd:d']);
    expect(aheadStats.hits - before).toBe(3);
  } finally {
    await store.close();
  }
});

test('a write through the store between pages is seen: the page read ahead is not used', async () => {
  const { store } = await seeded(['a', 'b', 'c']);
  try {
    const ids = await pullIds(store, async (n) => {
      // After page 1 (a), page 2 (b) was read ahead: b changes, so it moves behind c.
      if (n === 0) await store.write((tx) => tx.updateRecord('tasks', 'b', { title: 'b2' }));
    });
    expect(ids).toEqual(['a:a', 'c:c', 'b:b2']);
  } finally {
    await store.close();
  }
});

test('plain SQL on another connection between pages is seen, a delete included', async () => {
  const { store, path } = await seeded(['a', 'b', 'c', 'd']);
  const other = new Database(path, { timeout: 5000 });
  try {
    const ids = await pullIds(store, async (n) => {
      if (n === 0) other.prepare("UPDATE tasks SET title = 'b3' WHERE id = 'b'").run();
      if (n === 1) other.prepare("DELETE FROM tasks WHERE id = 'd'").run();
    });
    expect(ids).toEqual(['a:a', 'c:c', 'b:b3', 'd:gone']);
  } finally {
    other.close();
    await store.close();
  }
});
