/** Runs the server-store conformance suite on SQLite files in a fresh temp directory. */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { defineSchema, t } from '@syncline/core';
import Database from 'better-sqlite3';
import { afterAll, expect, test } from 'vitest';
import { runHandlerScenarios } from '../../../test/handler-scenarios.ts';
import { runRealtimeScenarios } from '../../../test/realtime-scenarios.ts';
import { runSharingScenarios } from '../../../test/sharing-scenarios.ts';
import { runUpdatedByScenarios } from '../../../test/updated-by-scenarios.ts';
import { createSyncServer } from '../../handler/index.ts';
import { client, suiteRules, suiteSchema, testAuth } from '../conformance/helpers.ts';
import { runServerStoreSuite } from '../conformance/server-store-suite.ts';
import { toSqlParam } from './records.ts';
import { createSqliteStore } from './store.ts';

const dir = mkdtempSync(join(tmpdir(), 'syncline-sqlite-store-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
let n = 0;

runServerStoreSuite(
  'sqlite',
  async (schema, hints) => {
    const path = join(dir, `db-${++n}.sqlite`);
    const store = createSqliteStore({ path, schema, scopeColumns: hints.scopeColumns });
    let other: Database.Database | null = null;
    return {
      store,
      rawSql: async (sql, params = []) => {
        other ??= new Database(path, { timeout: 5000 });
        other.prepare(sql).run(...params.map(toSqlParam));
      },
      dispose: async () => {
        other?.close();
      },
    };
  },
  {
    handler: runHandlerScenarios,
    sharing: runSharingScenarios,
    updatedBy: runUpdatedByScenarios,
    realtime: runRealtimeScenarios,
  },
);

test('sqlite: migrate adds new collections and columns to an existing database, keeping rows', async () => {
  const path = join(dir, 'migrate.sqlite');
  const v1 = defineSchema({ tasks: { columns: { title: t.text() } } });
  const s1 = createSqliteStore({ path, schema: v1 });
  await s1.migrate();
  await s1.write((tx) => tx.insertRecord('tasks', 't1', { title: 'kept' }));
  await s1.close();

  const v2 = defineSchema({
    tasks: {
      columns: { title: t.text(), done: t.boolean().default(false), dueAt: t.timestamp().optional() },
    },
    tags: { columns: { name: t.text() } },
  });
  const s2 = createSqliteStore({ path, schema: v2 });
  await s2.migrate();
  await s2.migrate();
  const page = await s2.pull({
    collections: [{ name: 'tasks', position: null, scope: { kind: 'public' } }],
    limit: 10,
  });
  expect(page.collections.tasks!.changes).toEqual([
    expect.objectContaining({ id: 't1', title: 'kept', done: false, dueAt: null }),
  ]);
  await s2.write((tx) => tx.insertRecord('tags', 'g', { name: 'x' }));
  await s2.close();
});

test('sqlite: rows written before the triggers existed get a version and are pulled', async () => {
  const path = join(dir, 'adopt.sqlite');
  const raw = new Database(path);
  raw.exec("CREATE TABLE notes (id TEXT PRIMARY KEY, body TEXT); INSERT INTO notes VALUES ('n1', 'old');");
  raw.close();
  const store = createSqliteStore({ path, schema: defineSchema({ notes: { columns: { body: t.text() } } }) });
  await store.migrate();
  const page = await store.pull({
    collections: [{ name: 'notes', position: null, scope: { kind: 'public' } }],
    limit: 10,
  });
  expect(page.collections.notes!.changes).toEqual([
    expect.objectContaining({ id: 'n1', body: 'old', version: 1 }),
  ]);
  await store.close();
});

test('sqlite: the database uses WAL and synchronous=NORMAL', async () => {
  const store = createSqliteStore({
    path: join(dir, 'pragmas.sqlite'),
    schema: defineSchema({ a: { columns: { b: t.text() } } }),
  });
  expect(store.db.pragma('journal_mode', { simple: true })).toBe('wal');
  expect(store.db.pragma('synchronous', { simple: true })).toBe(1);
  await store.close();
});

test('sqlite: a database locked by another writer answers 503 unavailable, not 500', async () => {
  const path = join(dir, 'busy.sqlite');
  const store = createSqliteStore({ path, schema: suiteSchema, busyTimeoutMs: 0 });
  await store.migrate();
  const server = createSyncServer({ schema: suiteSchema, rules: suiteRules, store, auth: testAuth });
  const other = new Database(path);
  other.exec('BEGIN IMMEDIATE');
  const alice = client(server, 'alice');
  const res = await alice.pushRaw(
    alice.batch([{ collection: 'notes', id: 'n', op: 'insert', data: { ownerId: 'alice', body: 'x' } }]),
  );
  expect(res.status).toBe(503);
  expect(res.body).toMatchObject({ error: { code: 'unavailable' } });
  other.exec('ROLLBACK');
  other.close();
  // The same push succeeds once the lock is gone: nothing was recorded for it.
  const again = await alice.pushRaw([
    { seq: 1, collection: 'notes', id: 'n', op: 'insert', data: { ownerId: 'alice', body: 'x' } },
  ]);
  expect(again.status).toBe(200);
  await server.close();
});

test('sqlite: migrate adds updated_by to the tables of an older store; their rows read null', async () => {
  const path = join(dir, `before-updated-by-${++n}.sqlite`);
  const raw = new Database(path);
  raw.exec(
    `CREATE TABLE notes (id TEXT PRIMARY KEY NOT NULL, owner_id TEXT NOT NULL, body TEXT NOT NULL,
       version INTEGER NOT NULL DEFAULT 0, updated_at TEXT, deleted_at TEXT, _fv TEXT NOT NULL DEFAULT '{}')`,
  );
  raw
    .prepare(
      "INSERT INTO notes (id, owner_id, body, version, updated_at) VALUES ('n1', 'alice', 'old', 1, '2026-01-01T00:00:00.000Z')",
    )
    .run();
  raw.close();
  const store = createSqliteStore({ path, schema: suiteSchema });
  try {
    await store.migrate();
    expect((await store.records('notes', ['n1']))[0]).toMatchObject({
      id: 'n1',
      body: 'old',
      updatedBy: null,
    });
    const rec = await store.write(async (tx) => {
      await tx.writeAs('bob');
      return tx.updateRecord('notes', 'n1', { body: 'new' });
    });
    expect(rec).toMatchObject({ body: 'new', updatedBy: 'bob' });
  } finally {
    await store.close();
  }
});

test('sqlite: the change feed delivers a write before the write resolves (pokes leave before the answer)', async () => {
  const store = createSqliteStore({ path: join(dir, `feed-first-${++n}.sqlite`), schema: suiteSchema });
  try {
    await store.migrate();
    const seen: string[] = [];
    const ready = new Promise<void>((resolve) => {
      store.subscribe((changes) => seen.push(...changes.map((c) => c.id)), { onReady: resolve });
    });
    await ready;
    await store.write((tx) => tx.insertRecord('notes', 'n1', { ownerId: 'a', body: 'x' }));
    // Nothing else ran between the commit and here: the feed read inside the write's turn.
    expect(seen).toEqual(['n1']);
  } finally {
    await store.close();
  }
});
