/**
 * A request's connection dying inside a transaction (decision 0011): terminated by an operator
 * (`pg_terminate_backend`) or by `idle_in_transaction_session_timeout`, the write answers
 * 503 `unavailable`, no 'error' event goes unhandled (vitest fails the file on one), and the next
 * write runs on a fresh connection. Needs TEST_DATABASE_URL; a fresh schema, dropped afterwards.
 */
import { randomBytes } from 'node:crypto';
import { defineSchema, SynclineError, t } from '@syncline/core';
import pg from 'pg';
import { afterAll, describe, expect, test } from 'vitest';
import type { WriteTx } from '../types.ts';
import { createPostgresStore } from './store.ts';

const url = process.env.TEST_DATABASE_URL;
const schema = defineSchema({ tasks: { columns: { title: t.text() } } });

const title = url
  ? 'postgres store: connections dying mid-transaction'
  : 'postgres store: connections dying mid-transaction — SKIPPED: set TEST_DATABASE_URL=postgres://postgres@127.0.0.1:5432/test';

describe.skipIf(!url)(title, () => {
  const pgSchema = `sl_conn_${randomBytes(6).toString('hex')}`;
  const admin = new pg.Client({ connectionString: url });
  const stores: Array<ReturnType<typeof createPostgresStore>> = [];
  afterAll(async () => {
    for (const s of stores) await s.close().catch(() => {});
    await admin.query(`DROP SCHEMA IF EXISTS ${pgSchema} CASCADE`);
    await admin.end();
  });

  const open = async (idleInTransactionTimeoutMs?: number) => {
    const store = createPostgresStore({
      connectionString: url!,
      schema,
      pgSchema,
      ...(idleInTransactionTimeoutMs === undefined ? {} : { idleInTransactionTimeoutMs }),
    });
    stores.push(store);
    await store.migrate();
    return store;
  };
  /** Waits (bounded) until PostgreSQL has ended the backend: an event, polled on the admin connection. */
  const gone = async (pid: number) => {
    for (let i = 0; i < 200; i++) {
      const { rowCount } = await admin.query('SELECT 1 FROM pg_stat_activity WHERE pid = $1', [pid]);
      if (rowCount === 0) return;
      await new Promise((r) => setTimeout(r, 50));
    }
    throw new Error(`backend ${pid} still there`);
  };
  const pidOf = async (tx: WriteTx) =>
    Number((await tx.all<{ pid: number }>('SELECT pg_backend_pid() AS pid'))[0]!.pid);

  test('pg_terminate_backend between two statements: 503 unavailable, then the next write succeeds', async () => {
    await admin.connect();
    const store = await open();
    const err = await store
      .write(async (tx) => {
        await tx.insertRecord('tasks', 'lost', { title: 'never committed' });
        const pid = await pidOf(tx);
        await admin.query('SELECT pg_terminate_backend($1)', [pid]);
        await gone(pid);
        return tx.insertRecord('tasks', 'after', { title: 'on a dead connection' });
      })
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(SynclineError);
    expect(err).toMatchObject({ code: 'unavailable', status: 503, retryable: true });
    await store.write((tx) => tx.insertRecord('tasks', 'next', { title: 'fresh connection' }));
    const ids = await store.read((db) => db.all<{ id: string }>('SELECT id FROM tasks ORDER BY id'));
    expect(ids.map((r) => r.id)).toEqual(['next']);
  });

  test('idle_in_transaction_session_timeout ends a stuck request the same way', async () => {
    const store = await open(200);
    const err = await store
      .write(async (tx) => {
        const pid = await pidOf(tx);
        // The request sits idle inside its transaction (a stuck rule, a slow upstream) past the timeout.
        await gone(pid);
        return tx.insertRecord('tasks', 'late', { title: 'too late' });
      })
      .catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'unavailable', status: 503 });
    await store.write((tx) => tx.insertRecord('tasks', 'again', { title: 'served again' }));
  });
});
