/**
 * Realtime on PostgreSQL beyond the shared scenarios (decision 0013): pokes wait for the xid
 * watermark (a transaction held open elsewhere in the cluster delays them until it ends, and the
 * poked pull then sees the row), and two server instances on one schema poke each other's
 * sockets, for writes through either and for plain SQL by other backends; the feed reads only the
 * columns its subscribers ask for. One fresh PostgreSQL
 * schema for the file. Needs TEST_DATABASE_URL; the delays are measured and printed.
 */
import { randomBytes } from 'node:crypto';
import type { MutationResult } from '@syncline/core';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { realtimeRules } from '../../../test/realtime-scenarios.ts';
import { sharingSchema } from '../../../test/sharing-scenarios.ts';
import { openSocket, type TestSocket, wsUrl } from '../../../test/socket-client.ts';
import { createSyncServer } from '../../handler/index.ts';
import { scopeColumnsOf } from '../../handler/scope-columns.ts';
import { type Listener, listen } from '../../node/listen.ts';
import { client, testAuth } from '../conformance/helpers.ts';
import type { StoreChange, SubscribeOptions } from '../types.ts';
import { createPostgresStore } from './store.ts';

const url = process.env.TEST_DATABASE_URL;
const title = url
  ? 'postgres realtime'
  : 'postgres realtime — SKIPPED: set TEST_DATABASE_URL=postgres://postgres@127.0.0.1:5432/test to run against a real PostgreSQL';

const ok = (results: MutationResult[]) => {
  for (const r of results) if (r.status !== 'applied') throw new Error(`not applied: ${JSON.stringify(r)}`);
};

describe.skipIf(!url)(title, () => {
  const pgSchema = `sl_rt_${randomBytes(6).toString('hex')}`;
  const instances: Array<{ server: ReturnType<typeof createSyncServer>; listener: Listener }> = [];
  const sockets: TestSocket[] = [];
  let admin: pg.Client;

  beforeAll(async () => {
    admin = new pg.Client({ connectionString: url!, options: `-c search_path=${pgSchema}` });
    await admin.connect();
    // Two instances on one schema, as two processes behind a load balancer would be.
    for (let i = 0; i < 2; i++) {
      const store = createPostgresStore({
        connectionString: url!,
        schema: sharingSchema,
        pgSchema,
        scopeColumns: scopeColumnsOf(realtimeRules),
      });
      await store.migrate();
      const server = createSyncServer({ schema: sharingSchema, rules: realtimeRules, store, auth: testAuth });
      instances.push({ server, listener: await listen(server, { port: 0 }) });
    }
  });
  afterAll(async () => {
    for (const s of sockets) s.ws.terminate();
    for (const i of instances) await i.listener.close();
    await admin.query(`DROP SCHEMA IF EXISTS ${pgSchema} CASCADE`);
    await admin.end();
  });

  async function connect(instance: number, user: string, collections: string[]) {
    const s = await openSocket(wsUrl(instances[instance]!.listener.url));
    sockets.push(s);
    await s.hello({ clientId: `c-${user}-${sockets.length}`, token: `user:${user}`, collections });
    return s;
  }

  test('a write committed while another transaction holds the watermark 2 s is poked within 1 s of its end; the poked pull sees it', async () => {
    const x = await connect(0, 'xavier', ['audit']);
    const xc = client(instances[0]!.server, 'xavier', 'c-xavier-http');
    const start = await xc.pull({ audit: null });
    const holder = new pg.Client({ connectionString: url! });
    await holder.connect();
    try {
      await holder.query('BEGIN');
      await holder.query('SELECT pg_current_xact_id()'); // takes an xid: the cluster's watermark stops here
      ok(
        await xc.push([
          { collection: 'audit', id: 'held', op: 'insert', data: { ownerId: 'xavier', what: 'w' } },
        ]),
      );
      // The hold itself is the scenario (2 s, as the issue states), not a synchronisation.
      await new Promise((resolve) => setTimeout(resolve, 2000));
      const early = x.received.filter((m) => m.type === 'poke').length;
      await holder.query('COMMIT');
      const ended = performance.now();
      await x.next('poke');
      const delay = performance.now() - ended;
      console.log(
        `[postgres] held-open transaction: ${early} pokes while held; poke ${delay.toFixed(1)} ms after it ended`,
      );
      expect(early).toBe(0);
      expect(delay).toBeLessThan(1000);
      const after = await xc.pull({ audit: start.collections.audit!.cursor });
      expect(after.collections.audit!.changes.map((c) => c.id)).toContain('held');
    } finally {
      await holder.end();
    }
  });

  test('two instances on one schema: a write through one pokes a socket on the other', async () => {
    const onB = await connect(1, 'xavier', ['audit']);
    const onA = await connect(0, 'xavier', ['audit']);
    const t0 = performance.now();
    ok(
      await client(instances[0]!.server, 'xavier', 'c-x-a').push([
        { collection: 'audit', id: 'via-a', op: 'insert', data: { ownerId: 'xavier', what: 'w' } },
      ]),
    );
    await onB.next('poke');
    const other = performance.now() - t0;
    await onA.next('poke');
    const same = performance.now() - t0;
    console.log(
      `[postgres] write via instance A → poke on B ${other.toFixed(1)} ms, on A ${same.toFixed(1)} ms`,
    );
    expect(instances[1]!.server.realtime!.stats().pokesByUser.get('xavier')).toBeGreaterThanOrEqual(1);
  });

  test('plain SQL INSERT, UPDATE and DELETE by another backend poke sockets on both instances within 1 s', async () => {
    const onA = await connect(0, 'yvonne', ['audit']);
    const onB = await connect(1, 'yvonne', ['audit']);
    const steps: Array<[string, string, unknown[]]> = [
      ['INSERT', 'INSERT INTO audit (id, owner_id, what) VALUES ($1, $2, $3)', ['p1', 'yvonne', 'sql']],
      ['UPDATE', 'UPDATE audit SET what = $1 WHERE id = $2', ['edited', 'p1']],
      ['DELETE', 'DELETE FROM audit WHERE id = $1', ['p1']],
    ];
    const lines: string[] = [];
    for (const [what, sql, params] of steps) {
      const t0 = performance.now();
      await admin.query(sql, params);
      const [a, b] = await Promise.all(
        [onA, onB].map(async (s) => {
          await s.next('poke');
          return performance.now() - t0;
        }),
      );
      lines.push(`${what} A ${a!.toFixed(1)} / B ${b!.toFixed(1)} ms`);
      expect(Math.max(a!, b!)).toBeLessThan(1000);
    }
    console.log(`[postgres] plain SQL by another backend → pokes: ${lines.join('; ')}`);
  });

  test("the feed reads only the columns its subscribers ask for ('all' for whole rows; whole rows for a subscriber that asks nothing)", async () => {
    const store = createPostgresStore({
      connectionString: url!,
      schema: sharingSchema,
      pgSchema,
      scopeColumns: scopeColumnsOf(realtimeRules),
    });
    const seen: StoreChange[][] = [[], []];
    const waiters: Array<() => void> = [];
    const listen = (i: number, options: SubscribeOptions) =>
      new Promise<() => void>((ready, failed) => {
        const stop = store.subscribe!(
          (changes) => {
            seen[i]!.push(...changes);
            for (const w of waiters.splice(0)) w();
          },
          { ...options, onReady: () => ready(stop), onError: failed },
        );
      });
    const until = async (pred: () => boolean) => {
      while (!pred()) await new Promise<void>((resolve) => waiters.push(resolve));
    };
    const narrow = await listen(0, { columns: { tasks: ['listId', 'noSuchColumn'], members: 'all' } });
    try {
      await admin.query("INSERT INTO tasks (id, list_id, title) VALUES ('cols-t', 'L9', 'secret title')");
      await admin.query("INSERT INTO members (id, list_id, user_id) VALUES ('cols-m', 'L9', 'uma')");
      await admin.query("INSERT INTO posts (id, body) VALUES ('cols-p', 'a body')");
      const row = (i: number, id: string) => seen[i]!.find((c) => c.id === id)?.row;
      await until(() => ['cols-t', 'cols-m', 'cols-p'].every((id) => row(0, id)));
      expect(row(0, 'cols-t')).toEqual({ id: 'cols-t', deletedAt: null, listId: 'L9' });
      expect(row(0, 'cols-m')).toMatchObject({
        id: 'cols-m',
        listId: 'L9',
        userId: 'uma',
        version: expect.anything(),
      });
      expect(row(0, 'cols-m')).not.toHaveProperty('_txid');
      expect(row(0, 'cols-p')).toEqual({ id: 'cols-p', deletedAt: null });
      // A second subscriber asking nothing gets whole rows, while the first one stays subscribed.
      const whole = await listen(1, {});
      try {
        await admin.query("UPDATE tasks SET title = 'renamed' WHERE id = 'cols-t'");
        await until(() => row(1, 'cols-t') !== undefined);
        expect(row(1, 'cols-t')).toMatchObject({ id: 'cols-t', listId: 'L9', title: 'renamed', done: false });
        expect(row(1, 'cols-t')).not.toHaveProperty('_fv');
      } finally {
        whole();
      }
    } finally {
      narrow();
      await store.close();
    }
  });
});
