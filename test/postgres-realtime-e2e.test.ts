/**
 * Realtime end to end on PostgreSQL (issue 11, done-when 1): the real client's socket against
 * the real `/sync/ws` on a PostgreSQL store, with the poll an hour away. Pokes come from the
 * per-instance tail below the xid watermark (decision 0013), so a transaction held open anywhere
 * in the cluster delays them — until it ends, not until the next poll.
 */
import { randomBytes } from 'node:crypto';
import { scopeColumnsOf } from '@syncline/server';
import { createPostgresStore } from '@syncline/server/postgres';
import pg from 'pg';
import { afterAll, afterEach, describe, expect, test } from 'vitest';
import { type E2eClient, realtimeClient, seenAt, twoClients } from './helpers/realtime-e2e.ts';
import { e2eRules, e2eSchema } from './helpers/schema.ts';
import { serveStore } from './helpers/server.ts';

const url = process.env.TEST_DATABASE_URL;
const title = url
  ? 'realtime end to end on PostgreSQL'
  : 'realtime end to end on PostgreSQL (skipped: set TEST_DATABASE_URL to run it)';

describe.skipIf(!url)(title, () => {
  const pgSchema = `sl_rt_e2e_${randomBytes(5).toString('hex')}`;
  const clients: E2eClient[] = [];
  let srv: Awaited<ReturnType<typeof serveStore>> | undefined;

  async function server() {
    srv ??= await serveStore({
      store: createPostgresStore({
        connectionString: url!,
        schema: e2eSchema,
        pgSchema,
        scopeColumns: scopeColumnsOf(e2eRules),
      }),
      schema: e2eSchema,
      rules: e2eRules,
    });
    return srv;
  }

  afterEach(async () => {
    for (const c of clients.splice(0)) await c.close();
  });
  afterAll(async () => {
    await srv?.close();
    const admin = new pg.Client({ connectionString: url! });
    await admin.connect();
    await admin.query(`DROP SCHEMA IF EXISTS ${pgSchema} CASCADE`);
    await admin.end();
  });

  test("a write on A is in B's store and seen by B's watch within 1 s (poll an hour away)", async ({
    annotate,
  }) => {
    const s = await server();
    const { p50, max } = await twoClients(s.url, await s.token('alice'), 'alice', clients, 'postgres');
    await annotate(`write → B's watch: p50 ${p50.toFixed(1)} ms, max ${max.toFixed(1)} ms (20 writes)`);
  });

  test('another transaction held open 2 s: B gets the write within 1 s of its end, not at the next poll', async ({
    annotate,
  }) => {
    const s = await server();
    const token = await s.token('dora');
    const a = await realtimeClient(s.url, () => token, clients);
    const b = await realtimeClient(s.url, () => token, clients);
    const holder = new pg.Client({ connectionString: url! });
    await holder.connect();
    try {
      // An open transaction with an xid holds the cluster's watermark (decision 0005).
      await holder.query('BEGIN');
      await holder.query('SELECT pg_current_xact_id()');
      const seen = seenAt(b, 'dora', 'behind-the-holder');
      let seenEarly = false;
      void seen.then(() => {
        seenEarly = true;
      });
      await a.db.notes.insert({ ownerId: 'dora', title: 'behind-the-holder' });
      await new Promise<void>((resolve) => setTimeout(resolve, 2000)); // the scenario: 2 s held open
      expect(seenEarly).toBe(false);
      await holder.query('COMMIT');
      const endedAt = performance.now();
      const delay = (await seen) - endedAt;
      await annotate(`seen ${delay.toFixed(0)} ms after the held transaction ended`);
      console.log(`realtime e2e (postgres): seen ${delay.toFixed(0)} ms after a 2 s held transaction ended`);
      expect(delay).toBeLessThan(1000);
    } finally {
      await holder.end();
    }
  });
});
