/**
 * Done-when 2 and 5 (issue 2): the three conflict strategies end to end, and pulls never
 * clobbering pending edits. Real SQLite files, real server over loopback HTTP.
 */
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { makeClient } from './helpers/client.ts';
import { e2eRules, e2eSchema } from './helpers/schema.ts';
import { startServer, tempDir } from './helpers/server.ts';

const dir = tempDir();
let srv: Awaited<ReturnType<typeof startServer>>;
let n = 0;

beforeAll(async () => {
  srv = await startServer({ dbPath: join(dir.path, 'server.db'), schema: e2eSchema, rules: e2eRules });
});
afterAll(async () => {
  await srv?.close();
  dir.cleanup();
});

/** Two devices of one user, both synced, then both offline. */
async function pair() {
  const token = await srv.token(`user${++n}`);
  const userId = `user${n}`;
  const a = makeClient({ dir: dir.path, name: `a${n}`, url: srv.url, token });
  const b = makeClient({ dir: dir.path, name: `b${n}`, url: srv.url, token });
  await a.ready();
  await b.ready();
  return { a, b, userId };
}

describe('reject-stale', () => {
  test('the later push is rejected, rolled back, reported once, and reapply succeeds', async () => {
    const { a, b, userId } = await pair();
    const note = await a.db.notes.insert({ ownerId: userId, title: 'original' });
    await a.sync();
    await b.sync();
    a.network.set(false);
    b.network.set(false);
    await a.db.notes.update(note.id, { title: 'from A' });
    await b.db.notes.update(note.id, { title: 'from B' });
    a.network.set(true);
    await a.sync();
    b.network.set(true);
    await b.sync();

    // B shows the server's version, not its own edit.
    expect((await b.db.notes.get(note.id))?.title).toBe('from A');
    expect(await b.isPending(note.id)).toBe(false);
    expect(b.rejected).toHaveLength(1);
    const r = b.rejected[0]!;
    expect(r.code).toBe('conflict');
    expect(r.id).toBe(note.id);
    expect(String(r.message)).toMatch(/changed/i);
    expect((r.current as { title: string }).title).toBe('from A');
    const stored = await b.rejections();
    expect(stored).toHaveLength(1);

    await b.reapply(stored[0]!.key);
    await b.sync();
    await a.sync();
    expect((await a.db.notes.get(note.id))?.title).toBe('from B');
    expect((await b.db.notes.get(note.id))?.title).toBe('from B');
    expect(b.rejected).toHaveLength(1);
    await Promise.all([a.close(), b.close()]);
  });
});

describe('merge-fields', () => {
  test('edits to different fields both apply; the same field conflicts', async () => {
    const { a, b, userId } = await pair();
    const card = await a.db.cards.insert({ ownerId: userId, title: 'card' });
    await a.sync();
    await b.sync();
    a.network.set(false);
    b.network.set(false);
    await a.db.cards.update(card.id, { title: 'A title' });
    await b.db.cards.update(card.id, { color: 'red' });
    a.network.set(true);
    b.network.set(true);
    await a.sync();
    await b.sync();
    await a.sync();
    for (const c of [a, b]) {
      const row = await c.db.cards.get(card.id);
      expect({ title: row?.title, color: row?.color }).toEqual({ title: 'A title', color: 'red' });
    }
    expect(a.rejected).toHaveLength(0);
    expect(b.rejected).toHaveLength(0);

    a.network.set(false);
    b.network.set(false);
    await a.db.cards.update(card.id, { title: 'A again' });
    await b.db.cards.update(card.id, { title: 'B again' });
    a.network.set(true);
    b.network.set(true);
    await a.sync();
    await b.sync();
    expect(b.rejected).toHaveLength(1);
    expect(b.rejected[0]!.code).toBe('conflict');
    expect((await b.db.cards.get(card.id))?.title).toBe('A again');
    await Promise.all([a.close(), b.close()]);
  });
});

describe('last-write-wins', () => {
  test('the later arrival wins, nobody is rejected', async () => {
    const { a, b, userId } = await pair();
    const counter = await a.db.counters.insert({ ownerId: userId, value: 1 });
    await a.sync();
    await b.sync();
    a.network.set(false);
    b.network.set(false);
    await b.db.counters.update(counter.id, { value: 2 });
    await a.db.counters.update(counter.id, { value: 3 });
    b.network.set(true);
    await b.sync();
    a.network.set(true);
    await a.sync();
    await b.sync();
    expect((await a.db.counters.get(counter.id))?.value).toBe(3);
    expect((await b.db.counters.get(counter.id))?.value).toBe(3);
    expect(a.rejected.length + b.rejected.length).toBe(0);
    await Promise.all([a.close(), b.close()]);
  });
});

describe('pending edits and pulls (done-when 5)', () => {
  test('a pull never clobbers a pending local edit', async () => {
    const { a, b, userId } = await pair();
    const note = await a.db.notes.insert({ ownerId: userId, title: 'x', body: 'base' });
    await a.sync();
    await b.sync();
    // B edits offline; A changes another field meanwhile; B pulls (without pushing) its update.
    b.network.set(false);
    await b.db.notes.update(note.id, { body: 'B body' });
    await a.db.notes.update(note.id, { title: 'A title' });
    await a.sync();
    b.network.set(true);
    // Pull first: the visible row keeps B's pending body on top of A's new base.
    await b.pull();
    const row = await b.db.notes.get(note.id);
    expect(row?.body).toBe('B body');
    expect(row?.title).toBe('A title');
    expect(await b.isPending(note.id)).toBe(true);
    await Promise.all([a.close(), b.close()]);
  });

  test('a record deleted on the server while edited offline ends deleted, with a not_found rejection', async () => {
    const { a, b, userId } = await pair();
    const note = await a.db.notes.insert({ ownerId: userId, title: 'doomed' });
    await a.sync();
    await b.sync();
    b.network.set(false);
    await b.db.notes.update(note.id, { title: 'edited offline' });
    await a.db.notes.delete(note.id);
    await a.sync();
    b.network.set(true);
    await b.sync();
    expect(await b.db.notes.get(note.id)).toBeNull();
    expect(b.rejected).toHaveLength(1);
    expect(b.rejected[0]!.code).toBe('not_found');
    expect(await b.isPending(note.id)).toBe(false);
    await Promise.all([a.close(), b.close()]);
  });
});
