/**
 * The PostgreSQL write transaction's own statements on a real PostgreSQL: multi-row inserts that
 * learn of a concurrent insert from the id key's unique violation (and of nothing else), named
 * statements that survive an ALTER of a column they return, savepoints whose RELEASE rides on the
 * next statement, and the round trips of a push-like transaction. Needs TEST_DATABASE_URL.
 */
import { randomBytes } from 'node:crypto';
import { defineSchema, t } from '@syncline/core';
import pg from 'pg';
import { afterEach, describe, expect, test } from 'vitest';
import type { PostgresStore } from './store.ts';
import { createPostgresStore } from './store.ts';

const url = process.env.TEST_DATABASE_URL;

const schema = defineSchema({
  items: { columns: { title: t.text(), n: t.integer().default(0) } },
});

const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

async function fresh(pool?: { max: number }): Promise<{ store: PostgresStore; other: pg.Client }> {
  const pgSchema = `sl_wtx_${randomBytes(6).toString('hex')}`;
  const store = createPostgresStore({ connectionString: url!, schema, pgSchema, ...(pool && { pool }) });
  await store.migrate();
  const other = new pg.Client({ connectionString: url!, options: `-c search_path=${pgSchema}` });
  await other.connect();
  cleanups.push(async () => {
    await store.close();
    await other.query(`DROP SCHEMA IF EXISTS ${pgSchema} CASCADE`);
    await other.end();
  });
  return { store, other };
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

const title = url
  ? 'postgres write transaction'
  : 'postgres write transaction — SKIPPED: set TEST_DATABASE_URL=postgres://postgres@127.0.0.1:5432/test';

describe.skipIf(!url)(title, () => {
  test('an id taken by a concurrent insert runs the transaction again, which then sees the row', async () => {
    const { store, other } = await fresh();
    await other.query('BEGIN');
    await other.query("INSERT INTO items (id, title) VALUES ('x', 'theirs')");
    let attempts = 0;
    const write = store.write(async (tx) => {
      attempts++;
      const seen = await tx.getRecords!('items', ['x', 'y']);
      if (seen.has('x')) return seen.get('x')!.record.title;
      // Waits for the other transaction's row, then meets its id taken.
      await tx.insertRecords!('items', [
        { id: 'y', data: { title: 'mine' } },
        { id: 'x', data: { title: 'mine' } },
      ]);
      return 'inserted';
    });
    await sleep(150);
    await other.query('COMMIT');
    expect(await write).toBe('theirs');
    expect(attempts).toBe(2);
    // The first attempt's rows were rolled back with it.
    expect((await store.records('items', ['y'])).length).toBe(0);
  });

  test("a unique violation of the app's own index is an error, not a retry", async () => {
    const { store, other } = await fresh();
    await other.query('CREATE UNIQUE INDEX items_title_unique ON items (title)');
    await other.query("INSERT INTO items (id, title) VALUES ('a', 'same')");
    let attempts = 0;
    await expect(
      store.write(async (tx) => {
        attempts++;
        return tx.insertRecords!('items', [{ id: 'b', data: { title: 'same' } }]);
      }),
    ).rejects.toMatchObject({ code: '23505', constraint: 'items_title_unique' });
    expect(attempts).toBe(1);
  });

  test('inserted rows come back as stored: defaults filled, each its own version', async () => {
    const { store } = await fresh();
    const out = await store.write((tx) =>
      tx.insertRecords!('items', [
        { id: 'a', data: { title: 'it\'s \\ "quoted" ☃' } },
        { id: 'b', data: { title: 'b', n: 7 } },
        { id: 'c', data: { title: 'c' } },
      ]),
    );
    expect(out.get('a')).toMatchObject({ title: 'it\'s \\ "quoted" ☃', n: 0, deletedAt: null });
    expect(out.get('b')).toMatchObject({ title: 'b', n: 7 });
    expect(out.get('a')!.updatedAt).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
    expect(new Set([...out.values()].map((r) => r.version)).size).toBe(3);
    expect(await store.records('items', ['a'])).toEqual([out.get('a')]);
  });

  test('a statement prepared before an ALTER of a column it returns is prepared again', async () => {
    // One connection: the statement prepared by the first write is the one the second meets.
    const { store, other } = await fresh({ max: 1 });
    await store.write((tx) => tx.insertRecords!('items', [{ id: 'a', data: { title: 'a' } }]));
    await store.write((tx) => tx.updateRecords!('items', [{ id: 'a', patch: { title: 'a1' } }]));
    // A column the statements return but no trigger reads (the triggers' own plans would go stale).
    await other.query('ALTER TABLE items ALTER COLUMN updated_by TYPE varchar(200)');
    const out = await store.write((tx) => tx.updateRecords!('items', [{ id: 'a', patch: { title: 'a2' } }]));
    expect(out.get('a')!.title).toBe('a2');
    const more = await store.write((tx) => tx.insertRecords!('items', [{ id: 'b', data: { title: 'b' } }]));
    expect(more.get('b')!.title).toBe('b');
  });

  test('savepoints: a returned one keeps what ran after it; rolling back an outer one undoes an inner one', async () => {
    const { store } = await fresh();
    await store.write(async (tx) => {
      await tx.savepoint(() => tx.insertRecord('items', 'a', { title: 'a' }));
      // Runs while the savepoint of `a` is not released yet.
      await tx.insertRecord('items', 'b', { title: 'b' });
      await expect(
        tx.savepoint(async () => {
          await tx.savepoint(() => tx.insertRecord('items', 'c', { title: 'c' }));
          await tx.insertRecord('items', 'd', { title: 'd' });
          throw new Error('undo');
        }),
      ).rejects.toThrow('undo');
      // The inner savepoint went with the outer one: nothing may try to release it now.
      await tx.savepoint(async () => {
        await tx.savepoint(() => tx.insertRecord('items', 'e', { title: 'e' }));
      });
      await expect(tx.savepoint(() => Promise.reject(new Error('no')))).rejects.toThrow('no');
      await tx.insertRecord('items', 'f', { title: 'f' });
    });
    const ids = (await store.records('items', ['a', 'b', 'c', 'd', 'e', 'f'])).map((r) => r.id).sort();
    expect(ids).toEqual(['a', 'b', 'e', 'f']);
  });

  test('a push-like transaction takes 7 round trips: BEGIN, set_config and RELEASE travel with other statements', async () => {
    const { store } = await fresh({ max: 1 });
    await store.write((tx) => tx.insertRecords!('items', [{ id: 'u', data: { title: 'u' } }]));
    const sent: string[] = [];
    const original = pg.Client.prototype.query;
    pg.Client.prototype.query = function (this: pg.Client, ...args: unknown[]) {
      const config = args[0] as string | { text: string };
      sent.push(typeof config === 'string' ? config : config.text);
      return (original as (...a: unknown[]) => unknown).apply(this, args);
    } as typeof original;
    try {
      await store.write(async (tx) => {
        await tx.lockClient('c1', 'u1');
        await tx.writeAs('u1');
        await tx.getRecords!('items', ['u', 'v']);
        await tx.savepoint(async () => {
          await tx.insertRecords!('items', [{ id: 'v', data: { title: 'v' } }]);
          await tx.updateRecords!('items', [{ id: 'u', patch: { title: 'u2' } }]);
        });
        await tx.recordPush!('c1', [{ seq: 1, status: 'applied' } as never], 1, 1);
      });
    } finally {
      pg.Client.prototype.query = original;
    }
    // BEGIN travels with the client lock, set_config with the SAVEPOINT; COMMIT releases the savepoint.
    const heads = sent.map((s) =>
      s
        .replace(/\s+/g, ' ')
        .replace(/"sl_wtx_\w+"\./g, '')
        .replace(/"/g, '')
        .slice(0, 36),
    );
    expect(heads).toEqual([
      'BEGIN; INSERT INTO syncline_clients ',
      'SELECT id, title, n, version, update',
      "SELECT set_config('syncline.user_id'",
      'INSERT INTO items (id, title) SELECT',
      'UPDATE items AS _sl_t SET title = _s',
      'WITH saved AS ( INSERT INTO syncline',
      'COMMIT',
    ]);
    expect(sent[2]).toMatch(/; SAVEPOINT sl_sp_1$/);
    const [row] = (await store.records('items', ['u'])) as Array<{ updatedBy: string | null }>;
    expect(row!.updatedBy).toBe('u1');
  });

  test('client and user ids with quotes and backslashes reach the database exactly; U+0000 fails as before', async () => {
    const { store } = await fresh();
    const clientId = "c'1\\";
    const user = "o'neil \\ \"x\" ☃ E'\\''";
    await store.write(async (tx) => {
      expect(await tx.lockClient(clientId, user)).toEqual({ userId: user, lastSeq: 0 });
      await tx.writeAs(user);
      await tx.insertRecord('items', 'a', { title: 't' });
    });
    expect(await store.clientUser(clientId)).toBe(user);
    expect((await store.records('items', ['a']))[0]!.updatedBy).toBe(user);
    // PostgreSQL text cannot hold U+0000: sent as a parameter, it fails as it always did.
    await expect(store.write((tx) => tx.lockClient('c2', 'nul\u0000user'))).rejects.toMatchObject({
      code: '22021',
    });
  });

  test('a write that sends nothing needs no BEGIN or COMMIT; one that fails first rolls nothing back', async () => {
    const { store } = await fresh();
    expect(await store.write(async () => 42)).toBe(42);
    await expect(
      store.write(async () => {
        throw new Error('before any statement');
      }),
    ).rejects.toThrow('before any statement');
    // The connection is still good for the next transaction.
    await store.write((tx) => tx.insertRecord('items', 'a', { title: 'a' }));
    expect((await store.records('items', ['a'])).length).toBe(1);
  });
});
