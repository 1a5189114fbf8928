/**
 * Real clients (memory store) against the real `createSyncServer` (SQLite), in process: every
 * request goes through `server.handler(new Request(...))`.
 */
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { startTestServer, testClient, testSchemaV2 } from './helpers/in-process.ts';

let srv: Awaited<ReturnType<typeof startTestServer>>;
let sql: Database.Database;
let users = 0;
const user = () => `user${++users}`;

beforeAll(async () => {
  srv = await startTestServer();
  sql = new Database(srv.dbPath);
  sql.pragma('busy_timeout = 5000');
});
afterAll(async () => {
  sql?.close();
  await srv?.close();
});

async function pair() {
  const u = user();
  const a = testClient(srv.server, u);
  const b = testClient(srv.server, u);
  await a.ready();
  await b.ready();
  return { a, b, u };
}

describe('engine against the real server', () => {
  test('offline writes (inserts, updates, deletes, squashed) then sync converge on a second client', async () => {
    const { a, b, u } = await pair();
    a.transport.offline = true;
    const n1 = await a.db.notes.insert({ ownerId: u, title: 'one', body: '' });
    const n2 = await a.db.notes.insert({ ownerId: u, title: 'two', body: '' });
    const n3 = await a.db.notes.insert({ ownerId: u, title: 'three', body: '' });
    await a.db.notes.update(n1.id, { title: 'one!' });
    await a.db.notes.update(n1.id, { body: 'b1' });
    await a.db.notes.delete(n2.id); // insert … delete: never sent
    expect(a.status.pending).toBe(6); // one outbox entry per local write until squashed at send time
    expect(await a.db.notes.isPending(n1.id)).toBe(true);
    await expect(a.sync()).rejects.toMatchObject({ code: 'network' });
    a.transport.offline = false;
    await a.sync();
    expect(a.status.pending).toBe(0);
    expect(a.status.lastSyncedAt).not.toBeNull();
    await b.sync();
    const rows = await b.db.notes.find({ orderBy: [['title', 'asc']] });
    expect(rows.map((r) => [r.id, r.title, r.body])).toEqual([
      [n1.id, 'one!', 'b1'],
      [n3.id, 'three', ''],
    ]);
    expect((await a.db.notes.find({})).map((r) => r.version).every((v) => v > 0)).toBe(true);
    // The squashed record went as one insert; the cancelled one consumed no seq.
    const seqs = sql
      .prepare('SELECT last_seq AS s FROM _syncline_clients WHERE user_id = ?')
      .all(u) as Array<{ s: number }>;
    expect(seqs.map((x) => x.s)).toEqual([2]);
    // A later change on B reaches A, and updates build on acknowledged versions.
    await b.db.notes.update(n3.id, { title: 'three (B)' });
    await b.sync();
    await a.sync();
    expect((await a.db.notes.get(n3.id))?.title).toBe('three (B)');
    expect(a.rejected).toEqual([]);
    expect(b.rejected).toEqual([]);
  });

  test('reject-stale conflict: rollback, one rejected event, stored rejection, reapply succeeds', async () => {
    const { a, b, u } = await pair();
    const note = await a.db.notes.insert({ ownerId: u, title: 'original', body: '' });
    await a.sync();
    await b.sync();
    await a.db.notes.update(note.id, { title: 'from A' });
    await b.db.notes.update(note.id, { title: 'from B' });
    await b.db.notes.update(note.id, { body: 'B body' });
    await a.sync();
    await b.sync();
    expect(await b.db.notes.get(note.id)).toMatchObject({ title: 'from A', body: '' });
    expect(await b.db.notes.isPending(note.id)).toBe(false);
    expect(b.rejected).toHaveLength(1);
    const r = b.rejected[0]!;
    expect(r).toMatchObject({
      code: 'conflict',
      collection: 'notes',
      id: note.id,
      current: { title: 'from A' },
    });
    expect(r.message).toMatch(/someone else changed it first/);
    expect(r.dropped).toHaveLength(1); // squashed into one entry before sending
    const stored = await b.rejections();
    expect(stored.map((x) => x.key)).toEqual([r.key]);
    await b.sync();
    expect(b.rejected).toHaveLength(1); // exactly once

    const row = await b.reapply(r.key);
    expect(row).toMatchObject({ title: 'from B', body: 'B body' });
    expect(await b.rejections()).toEqual([]);
    await b.sync();
    await a.sync();
    expect(await a.db.notes.get(note.id)).toMatchObject({ title: 'from B', body: 'B body' });
    expect(b.rejected).toHaveLength(1);
    await expect(b.reapply(r.key)).rejects.toMatchObject({ code: 'not_found' });
  });

  test('a pending edit survives a pull and then merges (merge-fields)', async () => {
    const { a, b, u } = await pair();
    const card = await a.db.cards.insert({ ownerId: u, title: 'card', color: 'blue' });
    await a.sync();
    await b.sync();
    await b.db.cards.update(card.id, { color: 'red' });
    await a.db.cards.update(card.id, { title: 'A title' });
    await a.sync();
    await b.pull();
    expect(await b.db.cards.get(card.id)).toMatchObject({ title: 'A title', color: 'red' });
    expect(await b.isPending(card.id)).toBe(true);
    await b.sync();
    await a.sync();
    expect(await a.db.cards.get(card.id)).toMatchObject({ title: 'A title', color: 'red' });
    expect(await b.isPending(card.id)).toBe(false);
    expect(b.rejected).toEqual([]);
  });

  test('deleted on the server while edited offline → not_found rejection, record gone', async () => {
    const { a, b, u } = await pair();
    const note = await a.db.notes.insert({ ownerId: u, title: 'doomed', body: '' });
    await a.sync();
    await b.sync();
    await b.db.notes.update(note.id, { title: 'edited offline' });
    await a.db.notes.delete(note.id);
    await a.sync();
    await b.sync();
    expect(await b.db.notes.get(note.id)).toBeNull();
    expect(b.rejected.map((r) => r.code)).toEqual(['not_found']);
    expect(b.rejected[0]!.message).toMatch(/deleted/);
    expect(await b.isPending(note.id)).toBe(false);
    await expect(b.reapply(b.rejected[0]!.key)).rejects.toMatchObject({ code: 'invalid' });
  });

  test('a server-answered reset sweeps what the server no longer has and keeps pending edits', async () => {
    const { a, u } = await pair();
    const keep = await a.db.notes.insert({ ownerId: u, title: 'keep', body: '' });
    const edited = await a.db.notes.insert({ ownerId: u, title: 'edited', body: '' });
    const vanished = await a.db.notes.insert({ ownerId: u, title: 'vanished', body: '' });
    await a.sync();
    // Removed behind the sync server's back, then its gone-marker GC'd: only a reset can tell.
    sql.prepare('DELETE FROM notes WHERE id = ?').run(vanished.id);
    await a.db.notes.update(edited.id, { body: 'pending' });
    a.transport.offline = true;
    const localOnly = await a.db.notes.insert({ ownerId: u, title: 'local only', body: '' });
    await a.setCursor('notes', 'stale.cursor');
    a.transport.offline = false;
    await a.pull();
    expect(a.resets).toEqual(['notes']);
    const titles = (await a.db.notes.find({ orderBy: [['title', 'asc']] })).map((r) => r.title);
    expect(titles).toEqual(['edited', 'keep', 'local only']);
    expect((await a.db.notes.get(edited.id))?.body).toBe('pending');
    await a.sync();
    expect(a.status.pending).toBe(0);
    expect((await a.db.notes.get(keep.id))?.title).toBe('keep');
    expect((await a.db.notes.get(localOnly.id))?.version).toBeGreaterThan(0);
  });

  test('a schema change resets the changed collection, keeping pending ops', async () => {
    const u = user();
    const a = testClient(srv.server, u);
    await a.ready();
    const card = await a.db.cards.insert({ ownerId: u, title: 'c', color: 'blue' });
    await a.sync();
    await a.db.cards.update(card.id, { color: 'green' });
    await a.close();
    const v2 = testClient(srv.server, u, { disk: a.disk, schema: testSchemaV2 as never });
    await v2.ready();
    expect(await v2.db.cards.get(card.id)).toMatchObject({ color: 'green' });
    await v2.pull();
    expect(v2.resets).toEqual(['cards']);
    expect(await v2.db.cards.get(card.id)).toMatchObject({ color: 'green' });
    expect(await v2.isPending(card.id)).toBe(true);
  });
});
