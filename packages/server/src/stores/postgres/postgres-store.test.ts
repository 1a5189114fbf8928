/**
 * The server-store conformance suite and PostgreSQL-specific scenarios (xid watermark, plain SQL
 * writers, generations, GC horizon, client locks) on a real PostgreSQL, one fresh PostgreSQL
 * schema per store, dropped afterwards. Needs TEST_DATABASE_URL, e.g.
 * `TEST_DATABASE_URL=postgres://postgres@127.0.0.1:5432/test npx vitest run packages/server/src/stores/postgres`.
 */
import { randomBytes } from 'node:crypto';
import type { SchemaDef } from '@syncline/core';
import { defineSchema, t } from '@syncline/core';
import pg from 'pg';
import { afterAll, afterEach, describe, expect, test } from 'vitest';
import { runHandlerScenarios } from '../../../test/handler-scenarios.ts';
import { runRealtimeScenarios } from '../../../test/realtime-scenarios.ts';
import { runSharingScenarios } from '../../../test/sharing-scenarios.ts';
import { runUpdatedByScenarios } from '../../../test/updated-by-scenarios.ts';
import { watermarkStressScenario } from '../../../test/watermark-stress.ts';
import { suiteSchema, suiteScopeColumns } from '../conformance/helpers.ts';
import { runServerStoreSuite } from '../conformance/server-store-suite.ts';
import type { ScopeFilter, ServerStore } from '../types.ts';
import { parsePosition } from './position.ts';
import { toDollarParams } from './sql.ts';
import type { PostgresStore } from './store.ts';
import { createPostgresStore } from './store.ts';

const url = process.env.TEST_DATABASE_URL;
const PUBLIC: ScopeFilter = { kind: 'public' };

/** A fresh PostgreSQL schema, a store on it and a second plain connection for "the app's own SQL". */
async function freshStore(schema: SchemaDef = suiteSchema, scopeColumns = suiteScopeColumns) {
  const pgSchema = `sl_test_${randomBytes(6).toString('hex')}`;
  const store = createPostgresStore({ connectionString: url!, schema, pgSchema, scopeColumns });
  const other = new pg.Client({ connectionString: url!, options: `-c search_path=${pgSchema}` });
  await other.connect();
  return {
    store,
    other,
    pgSchema,
    rawSql: async (sql: string, params: readonly unknown[] = []) => {
      await other.query(toDollarParams(sql), params as unknown[]);
    },
    dispose: async () => {
      await other.query(`DROP SCHEMA IF EXISTS ${pgSchema} CASCADE`);
      await other.end();
    },
  };
}

const title = url
  ? 'postgres store'
  : 'postgres store — SKIPPED: set TEST_DATABASE_URL=postgres://postgres@127.0.0.1:5432/test to run against a real PostgreSQL';

describe.skipIf(!url)(title, () => {
  runServerStoreSuite('postgres', (schema, hints) => freshStore(schema, hints.scopeColumns), {
    handler: runHandlerScenarios,
    sharing: runSharingScenarios,
    updatedBy: runUpdatedByScenarios,
    realtime: runRealtimeScenarios,
  });
  watermarkStressScenario(url!);

  const open: Array<Awaited<ReturnType<typeof freshStore>>> = [];
  const make = async (schema: SchemaDef = suiteSchema) => {
    const s = await freshStore(schema);
    open.push(s);
    await s.store.migrate();
    return s;
  };
  afterEach(async () => {
    for (const s of open.splice(0)) {
      await s.store.close();
      await s.dispose();
    }
  });
  afterAll(async () => {
    for (const s of open.splice(0)) await s.dispose();
  });

  const task = (id: string, listId = 'L1') => ({ listId, title: id, done: false });
  async function drain(
    store: ServerStore,
    position: string | null,
    scope: ScopeFilter = PUBLIC,
    limit = 100,
  ) {
    const ids: string[] = [];
    const changes = [];
    for (;;) {
      const res = await store.pull({ collections: [{ name: 'tasks', position, scope }], limit });
      const page = res.collections.tasks!;
      changes.push(...page.changes);
      ids.push(...page.changes.map((c) => c.id));
      position = page.position;
      if (!page.hasMore) return { ids, changes, position, reset: page.reset };
    }
  }

  test('postgres: a transaction that commits late is held back, then delivered; nothing is skipped', async () => {
    const { store, other } = await make();
    const start = await drain(store, null);
    // Transaction A takes its xid first and stays open.
    await other.query('BEGIN');
    await other.query("INSERT INTO tasks (id, list_id, title) VALUES ('a', 'L1', 'early xid')");
    // Transaction B (a later xid) commits first.
    await store.write((tx) => tx.insertRecord('tasks', 'b', task('b')));
    const whileOpen = await drain(store, start.position);
    // B is visible but above the watermark (A's xid): it waits, so A cannot be skipped.
    expect(whileOpen.ids).toEqual([]);
    expect((await store.watermarkLag()).oldestWriterAgeMs).toBeGreaterThanOrEqual(0);
    expect((await store.watermarkLag()).xids).toBeGreaterThan(0);
    await other.query('COMMIT');
    const after = await drain(store, whileOpen.position);
    expect(after.ids).toEqual(['a', 'b']);
    expect(after.changes[0]).toMatchObject({
      id: 'a',
      title: 'early xid',
      done: false,
      version: expect.any(Number),
    });
    expect((await drain(store, after.position)).ids).toEqual([]);
  });

  test('postgres: a version-ordered cursor would skip the late commit; the xid watermark does not', async () => {
    const { store, other } = await make();
    const start = await drain(store, null);
    await other.query('BEGIN');
    // A gets the smaller version but commits last.
    await other.query("INSERT INTO tasks (id, list_id, title) VALUES ('a', 'L1', 'a')");
    const b = await store.write((tx) => tx.insertRecord('tasks', 'b', task('b')));
    await other.query('COMMIT');
    const a = (await store.write((tx) => tx.getRecord('tasks', 'a')))!.record;
    expect(a.version).toBeLessThan(b.version);
    // Paging one row at a time still returns both, each once.
    const paged = await drain(store, start.position, PUBLIC, 1);
    expect(paged.ids.sort()).toEqual(['a', 'b']);
  });

  test('postgres: an upsert that waited for a DELETE of its id still gets a version above the tombstone', async () => {
    const { store, other, pgSchema } = await make();
    await store.write((tx) => tx.insertRecord('tasks', 'r', task('r')));
    const upserter = new pg.Client({ connectionString: url!, options: `-c search_path=${pgSchema}` });
    await upserter.connect();
    try {
      const pid = (await upserter.query<{ pid: number }>('SELECT pg_backend_pid() AS pid')).rows[0]!.pid;
      await other.query('BEGIN');
      await other.query("SELECT 1 FROM tasks WHERE id = 'r' FOR UPDATE");
      // The upsert stamps its version (BEFORE INSERT), finds the conflict and waits for our lock.
      const upsert = upserter.query(
        "INSERT INTO tasks (id, list_id, title) VALUES ('r', 'L1', 'upserted') ON CONFLICT (id) DO UPDATE SET title = excluded.title",
      );
      for (;;) {
        const { rows } = await other.query('SELECT wait_event_type FROM pg_stat_activity WHERE pid = $1', [
          pid,
        ]);
        if (rows[0]?.wait_event_type === 'Lock') break;
      }
      await other.query("DELETE FROM tasks WHERE id = 'r'");
      await other.query('COMMIT');
      await upsert;
    } finally {
      await upserter.end();
    }
    const tombstone = (
      await other.query<{ version: string }>(
        "SELECT max(version) AS version FROM syncline_gone WHERE id = 'r'",
      )
    ).rows[0]!;
    const row = (await store.write((tx) => tx.getRecord('tasks', 'r')))!.record;
    expect(row).toMatchObject({ title: 'upserted', deletedAt: null });
    expect(row.version).toBeGreaterThan(Number(tombstone.version));
  });

  test('postgres: plain SQL writes get a fresh version and updatedAt; writers cannot forge them', async () => {
    const { store, rawSql } = await make();
    await rawSql(
      "INSERT INTO tasks (id, list_id, title, version, updated_at) VALUES ('r', 'L1', 'x', 999999, '2000-01-01Z')",
    );
    const [r] = (await drain(store, null)).changes;
    expect(r!.version).toBeLessThan(999999);
    expect(r!.updatedAt).not.toBe('2000-01-01T00:00:00.000Z');
    expect(r!.updatedAt).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
  });

  test('postgres: DELETE becomes a tombstone; TRUNCATE starts a new generation', async () => {
    const { store, rawSql } = await make();
    await store.write(async (tx) => {
      await tx.insertRecord('tasks', 't1', task('t1'));
      await tx.insertRecord('tasks', 't2', task('t2'));
    });
    const first = await drain(store, null);
    await rawSql("DELETE FROM tasks WHERE id = 't1'");
    const afterDelete = await drain(store, first.position, { kind: 'keys', column: 'listId', keys: ['L1'] });
    expect(afterDelete.changes).toEqual([
      { id: 't1', version: expect.any(Number), deletedAt: expect.any(String) },
    ]);
    await rawSql('TRUNCATE tasks');
    const afterTruncate = await drain(store, afterDelete.position);
    expect(afterTruncate.reset).toBe(true);
    // Only the earlier tombstone remains; the truncated rows' absence reaches clients through the reset sweep.
    expect(afterTruncate.changes).toEqual([
      { id: 't1', version: expect.any(Number), deletedAt: expect.any(String) },
    ]);
  });

  test('postgres: a position of an older generation answers reset', async () => {
    const { store } = await make();
    await store.write((tx) => tx.insertRecord('tasks', 't1', task('t1')));
    const before = await drain(store, null);
    await (store as PostgresStore).bumpGeneration();
    const after = await drain(store, before.position);
    expect(after.reset).toBe(true);
    expect(after.ids).toEqual(['t1']);
    expect((await drain(store, after.position)).reset).toBe(false);
  });

  test('postgres: a position from the future (xids rewound by a restore) answers reset', async () => {
    const { store } = await make();
    const { position } = await drain(store, null);
    const p = parsePosition(position)!;
    const future = `${p.generation}:${p.txid + 1_000_000_000n}:`;
    expect((await drain(store, future)).reset).toBe(true);
  });

  test('postgres: gc horizon: positions before it reset, positions after it do not', async () => {
    const { store } = await make();
    await store.write((tx) => tx.insertRecord('tasks', 't1', task('t1')));
    const early = await drain(store, null);
    await store.write((tx) => tx.softDelete('tasks', 't1'));
    // The tombstone is delivered once no older transaction is open anywhere in the cluster (the
    // xid watermark): another file's open transaction may hold it back for a moment.
    let late = await drain(store, early.position);
    await expect
      .poll(
        async () => {
          late = await drain(store, early.position);
          return late.ids;
        },
        { timeout: 20_000 },
      )
      .toEqual(['t1']);
    expect((await store.gc(0)).removed).toBe(1);
    expect((await drain(store, early.position)).reset).toBe(true);
    expect((await drain(store, late.position)).reset).toBe(false);
  });

  test('postgres: 5 concurrent write() calls of one client serialise on lockClient', async () => {
    const { store } = await make();
    const order: number[] = [];
    await Promise.all(
      Array.from({ length: 5 }, (_, i) =>
        store.write(async (tx) => {
          const state = await tx.lockClient('c1', 'alice');
          // Between lock and write, yield to the event loop: the others must be waiting on the lock.
          await new Promise<void>((resolve) => setImmediate(resolve));
          order.push(state.lastSeq);
          await tx.setLastSeq('c1', state.lastSeq + 1);
          return i;
        }),
      ),
    );
    expect(order).toEqual([0, 1, 2, 3, 4]);
    expect(await store.write((tx) => tx.lockClient('c1', 'bob'))).toEqual({ userId: 'alice', lastSeq: 5 });
  });

  test('postgres: a deadlock is retried as a whole transaction, even when a savepoint caught it', async () => {
    const { store } = await make();
    await store.write(async (tx) => {
      await tx.insertRecord('counters', 'x', { ownerId: 'u', value: 0 });
      await tx.insertRecord('counters', 'y', { ownerId: 'u', value: 0 });
    });
    // Two writers lock x and y in opposite orders; each waits for the other to hold its first lock.
    let held = 0;
    let release!: () => void;
    const bothHold = new Promise<void>((resolve) => (release = resolve));
    const attempts = { xy: 0, yx: 0 };
    const run = (first: 'x' | 'y', second: 'x' | 'y', key: 'xy' | 'yx') =>
      store.write(async (tx) => {
        attempts[key]++;
        const a = await tx.getRecord('counters', first);
        if (attempts[key] === 1 && ++held === 2) release();
        if (attempts[key] === 1) await bothHold;
        await tx
          .savepoint(async () => {
            const b = await tx.getRecord('counters', second);
            await tx.updateRecord('counters', second, { value: Number(b!.record.value) + 1 });
          })
          .catch(() => undefined);
        await tx.updateRecord('counters', first, { value: Number(a!.record.value) + 1 });
      });
    await Promise.all([run('x', 'y', 'xy'), run('y', 'x', 'yx')]);
    // One of the two was chosen as the deadlock victim and ran again (once, normally).
    expect(attempts.xy + attempts.yx, JSON.stringify(attempts)).toBeGreaterThanOrEqual(3);
    const x = (await store.write((tx) => tx.getRecord('counters', 'x')))!.record.value;
    const y = (await store.write((tx) => tx.getRecord('counters', 'y')))!.record.value;
    expect([x, y]).toEqual([2, 2]);
  });

  test('postgres: migrate adopts an existing table and adds columns; two servers migrate at once', async () => {
    const s = await freshStore(defineSchema({ notes: { columns: { body: t.text() } } }));
    open.push(s);
    await s.other.query(`CREATE SCHEMA ${s.pgSchema}`);
    await s.other.query(
      "CREATE TABLE notes (id text PRIMARY KEY, body text); INSERT INTO notes VALUES ('n1', 'old')",
    );
    const v2 = defineSchema({
      notes: {
        columns: { body: t.text(), pinned: t.boolean().default(false), at: t.timestamp().optional() },
      },
    });
    const twin = createPostgresStore({ connectionString: url!, schema: v2, pgSchema: s.pgSchema });
    try {
      await Promise.all([s.store.migrate(), twin.migrate(), twin.migrate()]);
      await twin.write((tx) =>
        tx.insertRecord('notes', 'n2', { body: 'new', at: '2026-11-25T13:00:00.123Z' }),
      );
      const page = await twin.pull({
        collections: [{ name: 'notes', position: null, scope: PUBLIC }],
        limit: 10,
      });
      expect(page.collections.notes!.changes).toEqual([
        expect.objectContaining({
          id: 'n1',
          body: 'old',
          pinned: false,
          at: null,
          version: expect.any(Number),
          // The bookkeeping column added to the adopted table: nobody pushed this row.
          updatedBy: null,
        }),
        expect.objectContaining({ id: 'n2', body: 'new', at: '2026-11-25T13:00:00.123Z', updatedBy: null }),
      ]);
    } finally {
      await twin.close();
    }
  });
});
