/**
 * Done-when 4 (PostgreSQL store): a client syncs, goes offline and edits (an insert, an update of
 * an existing row) while on the server other rows are deleted, some soft by another client and
 * some by plain SQL `DELETE`; a GC removes those tombstones, which lie past the offline client's
 * cursor. Back online, the client's pull answers `reset`: it keeps its pending edits, drops the
 * rows the server no longer has, pushes its edits and ends equal to the server. The same scenario
 * runs on SQLite (cheap) and on PostgreSQL (needs TEST_DATABASE_URL; a fresh PostgreSQL schema).
 */
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { createClient } from '@syncline/client';
import { manualNetwork } from '@syncline/client/testing';
import { type ServerStore, scopeColumnsOf, signDevToken } from '@syncline/server';
import { createPostgresStore } from '@syncline/server/postgres';
import { createSqliteStore } from '@syncline/server/sqlite';
import { createSqliteLocalStore } from '@syncline/store-sqlite';
import Database from 'better-sqlite3';
import pg from 'pg';
import { afterAll, describe, expect, test } from 'vitest';
import { e2eRules, e2eSchema } from './helpers/schema.ts';
import { serveStore, TEST_SECRET, tempDir } from './helpers/server.ts';

const url = process.env.TEST_DATABASE_URL;
const dir = tempDir('syncline-gc-reset-');
afterAll(() => dir.cleanup());

/** A server store plus "the app's own SQL" on the same database, and how to drop it all. */
interface Backend {
  store: ServerStore;
  /** Deletes rows of `notes` with plain SQL, as the app's backend would. */
  sqlDelete(ids: readonly string[]): Promise<void>;
  /** Live rows of `notes` on the server: id, title, body. */
  rows(): Promise<Array<{ id: string; title: string; body: string }>>;
  dispose(): Promise<void>;
}

function sqliteBackend(): Backend {
  const path = join(dir.path, `server-${randomBytes(4).toString('hex')}.db`);
  const store = createSqliteStore({ path, schema: e2eSchema, scopeColumns: scopeColumnsOf(e2eRules) });
  // A second connection, like another process writing the file; WAL lets it share the file.
  const app = new Database(path);
  app.pragma('busy_timeout = 5000');
  return {
    store,
    async sqlDelete(ids) {
      const del = app.prepare('DELETE FROM notes WHERE id = ?');
      for (const id of ids) del.run(id);
    },
    async rows() {
      return app
        .prepare('SELECT id, title, body FROM notes WHERE deleted_at IS NULL ORDER BY id')
        .all() as Array<{ id: string; title: string; body: string }>;
    },
    async dispose() {
      app.close();
    },
  };
}

async function postgresBackend(): Promise<Backend> {
  const pgSchema = `sl_gcreset_${randomBytes(5).toString('hex')}`;
  const store = createPostgresStore({
    connectionString: url!,
    schema: e2eSchema,
    pgSchema,
    scopeColumns: scopeColumnsOf(e2eRules),
  });
  const app = new pg.Client({ connectionString: url!, options: `-c search_path=${pgSchema}` });
  await app.connect();
  return {
    store,
    async sqlDelete(ids) {
      await app.query('DELETE FROM notes WHERE id = ANY($1)', [ids]);
    },
    async rows() {
      const { rows } = await app.query(
        'SELECT id, title, body FROM notes WHERE deleted_at IS NULL ORDER BY id COLLATE "C"',
      );
      return rows as Array<{ id: string; title: string; body: string }>;
    },
    async dispose() {
      await app.query(`DROP SCHEMA IF EXISTS ${pgSchema} CASCADE`);
      await app.end();
    },
  };
}

async function scenario(backend: Backend, name: string): Promise<void> {
  const { store } = backend;
  const served = await serveStore({ store, schema: e2eSchema, rules: e2eRules });
  const token = await signDevToken(TEST_SECRET, 'alice', 3600);
  const open = (file: string) => {
    const network = manualNetwork(true);
    const client = createClient({
      schema: e2eSchema,
      url: served.url,
      store: createSqliteLocalStore({ path: join(dir.path, `${name}-${file}.db`) }),
      auth: { getToken: () => token },
      network,
      pushDebounceMs: 0,
    });
    return Object.assign(client, { network });
  };
  const a = open('a');
  const b = open('b');
  try {
    await Promise.all([a.ready(), b.ready()]);
    const resets: string[] = [];
    a.on('reset', (r) => resets.push(r.collection));

    const ids: string[] = [];
    for (let i = 0; i < 6; i++) ids.push((await a.db.notes.insert({ ownerId: 'alice', title: `r${i}` })).id);
    await a.sync();
    await b.sync();
    expect((await b.db.notes.find({})).length).toBe(6);
    const [kept, edited, softA, softB, hardA, hardB] = ids as [
      string,
      string,
      string,
      string,
      string,
      string,
    ];

    // A goes offline and edits: one insert, one update of a row it already had.
    a.network.set(false);
    const added = await a.db.notes.insert({ ownerId: 'alice', title: 'made offline' });
    await a.db.notes.update(edited, { body: 'edited offline' });
    expect(a.status.pending).toBe(2);

    // Meanwhile on the server: two soft deletes through B, two plain SQL deletes.
    await b.db.notes.delete(softA);
    await b.db.notes.delete(softB);
    await b.sync();
    await backend.sqlDelete([hardA, hardB]);

    // GC removes those four tombstones: they lie past A's cursor, so A cannot learn of them.
    const { removed } = await store.gc(0);
    expect(removed).toBeGreaterThanOrEqual(4);

    // Back online, pull first: the server answers `reset`; A starts `notes` over but keeps its edits.
    a.network.set(true);
    await a.pull();
    expect(resets).toContain('notes');
    const afterReset = await a.db.notes.find({ orderBy: [['title', 'asc']] });
    expect(afterReset.map((r) => r.title).sort()).toEqual(['made offline', 'r0', 'r1']);
    expect(afterReset.find((r) => r.id === edited)?.body).toBe('edited offline');
    expect(await a.isPending(added.id)).toBe(true);
    expect(a.status.pending).toBe(2);

    // Then the edits go out, and A, B and the server agree.
    await a.sync();
    await b.sync();
    expect(a.status.pending).toBe(0);
    const serverRows = await backend.rows();
    expect(serverRows.map((r) => r.id).sort()).toEqual([kept, edited, added.id].sort());
    expect(serverRows.find((r) => r.id === edited)?.body).toBe('edited offline');
    const view = async (client: typeof a) =>
      (await client.db.notes.find({}))
        .map(({ id, title, body }) => ({ id, title, body }))
        .sort((x, y) => (x.id < y.id ? -1 : 1));
    const expected = [...serverRows].sort((x, y) => (x.id < y.id ? -1 : 1));
    expect(await view(a)).toEqual(expected);
    expect(await view(b)).toEqual(expected);
    expect(await a.rejections()).toEqual([]);
  } finally {
    await a.close();
    await b.close();
    await served.close(); // closes the store too
    await backend.dispose();
  }
}

describe("GC past an offline client's cursor: reset keeps pending edits", () => {
  test('on SQLite', async () => {
    await scenario(sqliteBackend(), 'sqlite');
  });

  test.skipIf(!url)(
    url
      ? 'on PostgreSQL'
      : 'on PostgreSQL — SKIPPED: set TEST_DATABASE_URL=postgres://postgres@127.0.0.1:5432/test',
    async () => {
      await scenario(await postgresBackend(), 'postgres');
    },
  );
});
