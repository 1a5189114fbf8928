/**
 * The pull answer written from the store's page JSON (decision 0033): over HTTP (the Node listener,
 * which writes the handler's bytes) and through the Fetch handler, a protocol-3 answer carries
 * `updatedBy`, protocols 1 and 2 get their records without it, and the key-group merge of a
 * protocol-2 backfill (two reads of one collection) keeps each row once.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { defineSchema, t } from '@syncline/core';
import { afterAll, expect, test } from 'vitest';
import { createJwtAuth, signDevToken } from '../auth/jwt.ts';
import { listen } from '../node/listen.ts';
import { createSqliteStore } from '../stores/sqlite/index.ts';
import { createSyncServer } from './handler.ts';

const SECRET = 'pull-text-test-secret-long-enough-for-hs256';
const schema = defineSchema({
  notes: { columns: { ownerId: t.text(), title: t.text(), done: t.boolean() } },
});
const dir = mkdtempSync(join(tmpdir(), 'syncline-pull-text-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

async function setup(keys: () => string[]) {
  const store = createSqliteStore({ path: join(dir, `${Math.random().toString(36).slice(2)}.db`), schema });
  await store.migrate();
  const server = createSyncServer({
    schema,
    rules: { notes: { scope: 'ownerId', access: () => keys() } },
    store,
    auth: createJwtAuth({ secret: SECRET }),
  });
  const token = await signDevToken(SECRET, 'alice', 60);
  const pull = async (protocol: number, cursor: string | null, limit = 100) => {
    const res = await server.handler(
      new Request('http://test.local/sync/pull', {
        method: 'POST',
        headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
        body: JSON.stringify({ protocol, clientId: 'c1', collections: { notes: { cursor } }, limit }),
      }),
    );
    expect(res.status).toBe(200);
    const bytes = Buffer.from(await res.arrayBuffer());
    // A protocol-3 page of SQLite's bytes is a stream of parts that says its length.
    if (protocol >= 3) expect(Number(res.headers.get('content-length'))).toBe(bytes.length);
    return JSON.parse(bytes.toString()) as {
      collections: { notes: { changes: Array<Record<string, unknown>>; cursor: string; hasMore: boolean } };
      remaining: number;
    };
  };
  return { store, server, token, pull };
}

test('protocol 3 answers carry updatedBy; protocols 1 and 2 answer the same records without it', async () => {
  const { store, pull } = await setup(() => ['a']);
  for (const [i, id] of ['n1', 'n2', 'n3'].entries())
    await store.write(async (tx) => {
      await tx.writeAs('alice');
      await tx.insertRecord('notes', id, { ownerId: 'a', title: `t${i}`, done: i === 1 });
    });
  const v3 = await pull(3, null);
  expect(v3.collections.notes.changes.map((c) => [c.id, c.updatedBy, c.done])).toEqual([
    ['n1', 'alice', false],
    ['n2', 'alice', true],
    ['n3', 'alice', false],
  ]);
  for (const protocol of [1, 2]) {
    const old = await pull(protocol, null);
    expect(old.collections.notes.changes).toEqual(
      v3.collections.notes.changes.map(({ updatedBy: _, ...rest }) => rest),
    );
  }
  // Paged: the cursor and `remaining` as the record path gave them.
  const first = await pull(3, null, 2);
  expect([first.collections.notes.changes.length, first.collections.notes.hasMore, first.remaining]).toEqual([
    2,
    true,
    1,
  ]);
  const rest = await pull(3, first.collections.notes.cursor, 2);
  expect(rest.collections.notes.changes.map((c) => c.id)).toEqual(['n3']);
  expect([rest.collections.notes.hasMore, rest.remaining]).toEqual([false, 0]);
  await store.close();
});

test('a protocol-2 backfill of a gained key merges two reads, each row once', async () => {
  let keys = ['a'];
  const { store, pull } = await setup(() => keys);
  await store.write((tx) => tx.insertRecord('notes', 'a1', { ownerId: 'a', title: 'a1', done: false }));
  await store.write((tx) => tx.insertRecord('notes', 'b1', { ownerId: 'b', title: 'b1', done: false }));
  const first = await pull(2, null);
  expect(first.collections.notes.changes.map((c) => c.id)).toEqual(['a1']);
  keys = ['a', 'b'];
  await store.write((tx) => tx.insertRecord('notes', 'a2', { ownerId: 'a', title: 'a2', done: true }));
  const next = await pull(2, first.collections.notes.cursor);
  expect(next.collections.notes.changes.map((c) => c.id).sort()).toEqual(['a2', 'b1']);
  expect(next.collections.notes.changes.every((c) => !('updatedBy' in c))).toBe(true);
  await store.close();
});

test('over the Node listener the answer is the handler’s bytes, with their length', async () => {
  const { store, server, token } = await setup(() => ['a']);
  await store.write((tx) =>
    tx.insertRecord('notes', 'ü1', { ownerId: 'a', title: 'ünïcødé 😀', done: true }),
  );
  const listener = await listen(server, { port: 0, compression: false });
  try {
    const res = await fetch(`${listener.url}/sync/pull`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: JSON.stringify({ protocol: 3, clientId: 'c1', collections: { notes: { cursor: null } } }),
    });
    const bytes = Buffer.from(await res.arrayBuffer());
    expect(Number(res.headers.get('content-length'))).toBe(bytes.length);
    const body = JSON.parse(bytes.toString()) as {
      collections: { notes: { changes: Array<{ title: string }> } };
    };
    expect(body.collections.notes.changes.map((c) => c.title)).toEqual(['ünïcødé 😀']);
  } finally {
    await listener.close();
    await store.close();
  }
});
