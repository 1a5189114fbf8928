/**
 * Handler-level scenarios of the server-store suite: the push and pull semantics of ARCHITECTURE.md §5–6
 * through `createSyncServer`, on the store under test.
 */
import type { MutationResult, PushResponse } from '@syncline/core';
import { expect, test } from 'vitest';
import type { Rules, SyncServerOptions } from '../src/api.ts';
import { createSyncServer } from '../src/handler/index.ts';
import { MAX_RELEASED_SAVEPOINTS } from '../src/handler/push/batch.ts';
import type { StoreUnderTest } from '../src/stores/conformance/helpers.ts';
import { client, pullAll, suiteRules, suiteSchema, testAuth } from '../src/stores/conformance/helpers.ts';
import { runConflictScenarios } from './conflict-scenarios.ts';

type Make = () => Promise<StoreUnderTest>;

/**
 * The store with every write transaction's `savepoint` counted: opened, and released (resolved;
 * on PostgreSQL each released one that wrote stays a subtransaction until the end).
 */
function countingSavepoints(store: Awaited<ReturnType<Make>>['store']) {
  const counts = { opened: 0, released: 0 };
  const counting = new Proxy(store, {
    get(target, key) {
      if (key === 'write') {
        return (fn: Parameters<typeof store.write>[0]) =>
          target.write((tx) =>
            fn(
              new Proxy(tx, {
                get(t, k) {
                  const v = Reflect.get(t, k);
                  if (typeof v !== 'function') return v;
                  if (k !== 'savepoint') return v.bind(t);
                  return async (...args: unknown[]) => {
                    counts.opened++;
                    const out = await v.apply(t, args);
                    counts.released++;
                    return out;
                  };
                },
              }),
            ),
          );
      }
      const v = Reflect.get(target, key);
      return typeof v === 'function' ? v.bind(target) : v;
    },
  });
  return {
    store: counting,
    get opened() {
      return counts.opened;
    },
    get released() {
      return counts.released;
    },
  };
}

export function runHandlerScenarios(make: Make): void {
  const serve = async (extra: Partial<SyncServerOptions> = {}) => {
    const { store, rawSql } = await make();
    const server = createSyncServer({
      schema: suiteSchema,
      rules: suiteRules,
      store,
      auth: testAuth,
      ...extra,
    });
    return { server, store, rawSql };
  };
  const applied = (r: MutationResult | undefined) => {
    if (r?.status !== 'applied') throw new Error(`expected applied, got ${JSON.stringify(r)}`);
    return r.record;
  };
  runConflictScenarios(serve, applied);

  test('exactly once: the same push sent twice is applied once and answered the same', async () => {
    const { server } = await serve();
    const alice = client(server, 'alice');
    const batch = alice.batch([
      { collection: 'counters', id: 'n', op: 'insert', data: { ownerId: 'alice', value: 1 } },
    ]);
    const first = await alice.pushRaw(batch);
    const second = await alice.pushRaw(batch);
    expect(first.status).toBe(200);
    expect(second).toEqual(first);
    const { changes } = await pullAll(alice, 'counters');
    expect(changes).toHaveLength(1);
  });

  test('the same push sent 5 times concurrently has one effect', async () => {
    const { server } = await serve();
    const alice = client(server, 'alice');
    const [made] = await alice.push([
      { collection: 'counters', id: 'n', op: 'insert', data: { ownerId: 'alice', value: 0 } },
    ]);
    const base = applied(made).version;
    const batch = alice.batch([
      { collection: 'counters', id: 'n', op: 'update', patch: { value: 1 }, baseVersion: base },
    ]);
    const answers = await Promise.all(Array.from({ length: 5 }, () => alice.pushRaw(batch)));
    for (const a of answers) expect(a).toEqual(answers[0]);
    const { changes } = await pullAll(alice, 'counters');
    expect(changes).toEqual([expect.objectContaining({ id: 'n', value: 1 })]);
    // One write: the version moved exactly once past the insert.
    expect(applied((answers[0]!.body.results as MutationResult[])[0]).version).toBe(changes[0]!.version);
  });

  test('an outcome that aged out is answered as duplicate', async () => {
    const { server } = await serve({ outcomeRetention: 1 });
    const alice = client(server, 'alice');
    const first = alice.batch([
      { collection: 'counters', id: 'a', op: 'insert', data: { ownerId: 'alice' } },
    ]);
    await alice.pushRaw(first);
    await alice.push([{ collection: 'counters', id: 'b', op: 'insert', data: { ownerId: 'alice' } }]);
    const again = await alice.pushRaw(first);
    expect(again.body.results).toEqual([{ seq: 1, status: 'duplicate' }]);
  });

  test('seq_gap: a batch that does not start at lastSeq + 1 is refused whole', async () => {
    const { server } = await serve();
    const alice = client(server, 'alice');
    const res = await alice.pushRaw([
      { seq: 5, collection: 'counters', id: 'x', op: 'insert', data: { ownerId: 'alice' } },
    ]);
    expect(res.status).toBe(409);
    expect(res.body.error).toMatchObject({ code: 'seq_gap', details: { expectedSeq: 1 } });
    expect((await pullAll(alice, 'counters')).changes).toEqual([]);
  });

  test('a clientId belongs to its first user', async () => {
    const { server } = await serve();
    await client(server, 'alice', 'shared').push([
      { collection: 'counters', id: 'a', op: 'insert', data: { ownerId: 'alice' } },
    ]);
    const bob = client(server, 'bob', 'shared');
    const res = await bob.pushRaw(
      bob.batch([{ collection: 'counters', id: 'b', op: 'insert', data: { ownerId: 'bob' } }]),
    );
    expect(res.status).toBe(403);
    expect(res.body.error).toMatchObject({ code: 'forbidden', details: { reason: 'client_owned' } });
    expect((await pullAll(bob, 'counters')).changes).toEqual([]);
  });

  test('per-mutation errors are isolated: a failing mutation does not block the next', async () => {
    const rules: Rules = {
      ...suiteRules,
      // A rule hitting a DB error on one record: the mutation is rejected, the batch goes on.
      counters: {
        ...suiteRules.counters!,
        write: async (auth, change, db) => {
          if (change.new?.id === 'broken') await db.all('SELECT * FROM no_such_table');
          return change.new?.ownerId === auth.userId;
        },
      },
    };
    const { server } = await serve({ rules });
    const a = client(server, 'alice');
    const results = await a.push([
      { collection: 'counters', id: 'bad', op: 'insert', data: { ownerId: 'alice', value: 'NaN' } },
      { collection: 'counters', id: 'broken', op: 'insert', data: { ownerId: 'alice' } },
      { collection: 'nope', id: 'x', op: 'insert', data: {} },
      { collection: 'counters', id: 'good', op: 'insert', data: { ownerId: 'alice', value: 2 } },
    ]);
    expect(results.map((r) => (r.status === 'rejected' ? r.code : r.status))).toEqual([
      'invalid',
      'invalid',
      'invalid',
      'applied',
    ]);
    expect(results.map((r) => r.seq)).toEqual([1, 2, 3, 4]);
    expect((results[0] as { issues: unknown[] }).issues).toEqual([
      expect.objectContaining({ path: 'value' }),
    ]);
    expect((await pullAll(a, 'counters')).changes.map((c) => c.id)).toEqual(['good']);
  });

  // Rules without `access` let a store batch a push's inserts into one statement (handler/push/pipeline.ts);
  // these scenarios check that every answer is still the one of the per-mutation path.
  const batchable: Rules = { ...suiteRules, counters: { scope: 'ownerId' } };

  test('a batched push answers exactly as the per-mutation path: duplicates ids, conflicts, updates', async () => {
    const { server } = await serve({ rules: batchable });
    const a = client(server, 'alice');
    const results = await a.push([
      { collection: 'counters', id: 'x', op: 'insert', data: { ownerId: 'alice', value: 1 } },
      { collection: 'counters', id: 'y', op: 'insert', data: { ownerId: 'alice', value: 2 } },
      { collection: 'counters', id: 'x', op: 'insert', data: { ownerId: 'alice', value: 3 } },
      { collection: 'counters', id: 'x', op: 'update', patch: { value: 4 }, baseVersion: 0 },
      { collection: 'counters', id: 'z', op: 'insert', data: { ownerId: 'bob', value: 5 } },
      { collection: 'counters', id: 'w', op: 'insert', data: { ownerId: 'alice', value: 6 } },
    ]);
    expect(results.map((r) => (r.status === 'rejected' ? r.code : r.status))).toEqual([
      'applied',
      'applied',
      'conflict',
      'applied',
      'forbidden',
      'applied',
    ]);
    const rows = (await pullAll(a, 'counters')).changes;
    expect(rows.map((c) => [c.id, c.value]).sort()).toEqual([
      ['w', 6],
      ['x', 4],
      ['y', 2],
    ]);
  });

  test('a batch with rejections runs about one savepoint per rejection, not one per mutation', async () => {
    const { store } = await make();
    const counted = countingSavepoints(store);
    const counting = counted.store;
    const server = createSyncServer({
      schema: suiteSchema,
      rules: batchable,
      store: counting,
      auth: testAuth,
    });
    const a = client(server, 'alice');
    const ids = Array.from({ length: 40 }, (_, i) => (i === 10 ? 'm0' : i === 30 ? 'm1' : `m${i}`));
    const results = await a.push(
      ids.map((id, i) => ({
        collection: 'counters',
        id,
        op: 'insert' as const,
        data: { ownerId: 'alice', value: i },
      })),
    );
    expect(results.map((r, i) => (r.status === 'rejected' ? `${i}:${r.code}` : r.status))).toEqual(
      ids.map((_, i) => (i === 10 || i === 30 ? `${i}:conflict` : 'applied')),
    );
    const rows = (await pullAll(a, 'counters')).changes;
    expect(rows).toHaveLength(38);
    // The batch savepoint, then runs 0–10 (stops), 0–9, 10 (alone), 11–30 (stops), 11–29, 30, 31–39.
    expect(counted.opened).toBeLessThanOrEqual(8);
  });

  test('a push with more rejections than the savepoint budget answers a prefix; the rest, sent again, is answered', async () => {
    const { store } = await make();
    const counted = countingSavepoints(store);
    const server = createSyncServer({
      schema: suiteSchema,
      rules: batchable,
      store: counted.store,
      auth: testAuth,
    });
    const a = client(server, 'alice');
    // 200 inserts, every other one of an id already inserted earlier in the batch: 100 conflicts.
    const batch = a.batch(
      Array.from({ length: 200 }, (_, i) => ({
        collection: 'counters',
        id: `k${i % 2 === 0 ? i : i - 1}`,
        op: 'insert' as const,
        data: { ownerId: 'alice', value: i },
      })),
    );
    const expected = (i: number) => (i % 2 === 1 ? `${batch[i]!.seq}:conflict` : `${batch[i]!.seq}:applied`);
    const first = await a.pushRaw(batch);
    expect(first.status).toBe(200);
    const firstResults = (first.body as PushResponse).results;
    expect(firstResults.length).toBeGreaterThan(0);
    expect(firstResults.length).toBeLessThan(batch.length);
    expect(firstResults.map((r) => `${r.seq}:${r.status === 'rejected' ? r.code : r.status}`)).toEqual(
      batch.slice(0, firstResults.length).map((_, i) => expected(i)),
    );
    // At most the budget of released savepoints stays in the transaction (PostgreSQL: 64 overflow).
    expect(counted.released).toBeLessThanOrEqual(MAX_RELEASED_SAVEPOINTS);
    // The client sends the whole batch again with its seqs: the answered ones come back as recorded.
    const answers = new Map(firstResults.map((r) => [r.seq, r]));
    for (let round = 0; answers.size < batch.length && round < 10; round++) {
      const again = await a.pushRaw(batch.filter((m) => !answers.has(m.seq) || round === 0));
      expect(again.status).toBe(200);
      for (const r of (again.body as PushResponse).results) {
        if (answers.has(r.seq)) expect(r).toEqual(answers.get(r.seq));
        answers.set(r.seq, r);
      }
    }
    expect(
      batch
        .map((m) => answers.get(m.seq))
        .map((r) => `${r?.seq}:${r?.status === 'rejected' ? r.code : r?.status}`),
    ).toEqual(batch.map((_, i) => expected(i)));
    const rows = (await pullAll(a, 'counters')).changes;
    expect(rows).toHaveLength(100);
    expect(rows.every((r) => (r.value as number) % 2 === 0)).toBe(true);
  });

  test("a write check's SQL in a batched push sees the inserts earlier in the batch", async () => {
    // A quota of two counters per owner, checked with SQL: a deferred insert must reach the
    // database before the next mutation's check runs.
    const quota: Rules = {
      ...batchable,
      counters: {
        scope: 'ownerId',
        write: async (auth, _change, db) => {
          const [row] = await db.all<{ n: number }>(
            'SELECT count(*) AS n FROM counters WHERE owner_id = ? AND deleted_at IS NULL',
            [auth.userId],
          );
          return Number(row?.n) < 2;
        },
      },
    };
    const { server } = await serve({ rules: quota });
    const a = client(server, 'alice');
    const results = await a.push(
      ['p', 'q', 'r'].map((id) => ({
        collection: 'counters',
        id,
        op: 'insert' as const,
        data: { ownerId: 'alice', value: 1 },
      })),
    );
    expect(results.map((r) => (r.status === 'rejected' ? r.code : r.status))).toEqual([
      'applied',
      'applied',
      'forbidden',
    ]);
  });

  test("a database error while inserting a batch (the app's own unique index) rejects only that mutation", async () => {
    const { server, rawSql } = await serve({ rules: batchable });
    await rawSql('CREATE UNIQUE INDEX counters_owner_value ON counters (owner_id, value)');
    const a = client(server, 'alice');
    const batch = a.batch([
      { collection: 'counters', id: 'a', op: 'insert', data: { ownerId: 'alice', value: 1 } },
      { collection: 'counters', id: 'b', op: 'insert', data: { ownerId: 'alice', value: 1 } },
      { collection: 'counters', id: 'c', op: 'insert', data: { ownerId: 'alice', value: 2 } },
    ]);
    const first = await a.pushRaw(batch);
    const results = (first.body as { results: MutationResult[] }).results;
    expect(results.map((r) => (r.status === 'rejected' ? r.code : r.status))).toEqual([
      'applied',
      'invalid',
      'applied',
    ]);
    expect((await pullAll(a, 'counters')).changes.map((c) => c.id).sort()).toEqual(['a', 'c']);
    // Re-sent after a lost answer: the same outcomes, nothing applied twice.
    expect(await a.pushRaw(batch)).toEqual(first);
  });

  test('a batched push with updates (parked where the store batches them) answers as the per-mutation path', async () => {
    const { server, rawSql } = await serve({ rules: batchable });
    const a = client(server, 'alice');
    const ins = (id: string, value: number) =>
      ({ collection: 'counters', id, op: 'insert', data: { ownerId: 'alice', value } }) as const;
    const upd = (id: string, value: number) =>
      ({ collection: 'counters', id, op: 'update', patch: { value }, baseVersion: 0 }) as const;
    await a.push([ins('u1', 10), ins('u2', 20), ins('u3', 30)]);
    const clean = await a.push([upd('u1', 11), upd('u2', 21), ins('n1', 40), upd('n1', 41), upd('u1', 12)]);
    expect(clean.map((r) => r.status)).toEqual(['applied', 'applied', 'applied', 'applied', 'applied']);
    const versions = clean.map((r) => applied(r).version);
    expect(new Set(versions).size).toBe(versions.length);
    expect(applied(clean[1]!)).toMatchObject({ id: 'u2', value: 21 });
    expect(applied(clean[4]!)).toMatchObject({ id: 'u1', value: 12 });
    // A database error in one update (the app's own unique index) rejects only that mutation.
    await rawSql('CREATE UNIQUE INDEX counters_owner_value ON counters (owner_id, value)');
    const mixed = await a.push([upd('u1', 13), upd('u2', 30), upd('missing', 1), upd('n1', 42)]);
    expect(mixed.map((r) => (r.status === 'rejected' ? r.code : r.status))).toEqual([
      'applied',
      'invalid',
      'not_found',
      'applied',
    ]);
    const rows = (await pullAll(a, 'counters')).changes;
    expect(rows.map((c) => [c.id, c.value]).sort()).toEqual([
      ['n1', 42],
      ['u1', 13],
      ['u2', 21],
      ['u3', 30],
    ]);
    // Each answer is the stored record.
    expect(rows.find((c) => c.id === 'u1')).toEqual(applied(mixed[0]!));
    expect(rows.find((c) => c.id === 'n1')).toEqual(applied(mixed[3]!));
  });

  test('U+0000 in an id, a value, a clientId or a cursor is answered, never a 500', async () => {
    const { server } = await serve();
    const a = client(server, 'alice');
    const pushed = await a.pushRaw(
      a.batch([
        { collection: 'notes', id: 'ok', op: 'insert', data: { ownerId: 'alice', body: 'x' } },
        { collection: 'notes', id: 'bad\u0000id', op: 'insert', data: { ownerId: 'alice', body: 'y' } },
        {
          collection: 'notes',
          id: 'ok2',
          op: 'insert',
          data: { ownerId: 'alice', body: 'nul \u0000 inside' },
        },
      ]),
    );
    expect(pushed.status).toBe(200);
    const results = (pushed.body as { results: MutationResult[] }).results;
    expect(results.map((r) => (r.status === 'rejected' ? r.code : r.status))).toEqual([
      'applied',
      'invalid',
      'invalid',
    ]);

    const odd = client(server, 'alice', 'c\u0000x');
    const byOdd = await odd.pushRaw(
      odd.batch([{ collection: 'notes', id: 'n', op: 'insert', data: { ownerId: 'alice', body: 'x' } }]),
    );
    expect(byOdd.status).toBe(400);

    const first = await a.pull({ notes: null });
    const cursor = first.collections.notes!.cursor;
    for (const forged of [
      `${cursor.slice(0, -1)}\u0000`,
      `${cursor}AA`,
      `${cursor.replace(/:[^:]*$/, ':')}AA`,
    ]) {
      const res = await a.post('/pull', {
        protocol: 1,
        clientId: 'c-alice',
        collections: { notes: { cursor: forged } },
      });
      expect(res.status).toBe(200);
    }
  });

  test('access keys follow the writes earlier in the same batch', async () => {
    const { server } = await serve();
    const alice = client(server, 'alice');
    const results = await alice.push([
      { collection: 'lists', id: 'L1', op: 'insert', data: { ownerId: 'alice', name: 'one' } },
      { collection: 'tasks', id: 't1', op: 'insert', data: { listId: 'L1', title: 'in one' } },
      { collection: 'lists', id: 'L2', op: 'insert', data: { ownerId: 'alice', name: 'two' } },
      { collection: 'tasks', id: 't2', op: 'insert', data: { listId: 'L2', title: 'in two' } },
    ]);
    expect(results.map((r) => r.status)).toEqual(['applied', 'applied', 'applied', 'applied']);
  });

  test('pull: scoped rows, cursors, and a gained key backfilled without a reset', async () => {
    const { server } = await serve();
    const alice = client(server, 'alice');
    const bob = client(server, 'bob');
    await alice.push([
      { collection: 'lists', id: 'LA', op: 'insert', data: { ownerId: 'alice', name: 'A' } },
      { collection: 'tasks', id: 'ta', op: 'insert', data: { listId: 'LA', title: 'alice task' } },
    ]);
    await bob.push([
      { collection: 'lists', id: 'LB', op: 'insert', data: { ownerId: 'bob', name: 'B' } },
      { collection: 'tasks', id: 'tb', op: 'insert', data: { listId: 'LB', title: 'bob task' } },
    ]);
    const first = await pullAll(alice, 'tasks', null, 1);
    expect(first.changes.map((c) => c.id)).toEqual(['ta']);
    expect(first.resets).toBe(0);
    const quiet = await alice.pull({ tasks: first.cursor });
    expect(quiet.collections.tasks).toMatchObject({ changes: [], hasMore: false, reset: false });
    // A new list widens alice's keys: only its rows are read from the start (decision 0012).
    await alice.push([
      { collection: 'lists', id: 'LA2', op: 'insert', data: { ownerId: 'alice', name: 'A2' } },
      { collection: 'tasks', id: 'ta2', op: 'insert', data: { listId: 'LA2', title: 'in A2' } },
    ]);
    const widened = await alice.pull({ tasks: first.cursor });
    expect(widened.collections.tasks!.reset).toBe(false);
    expect(widened.collections.tasks!.changes.map((c) => c.id)).toEqual(['ta2']);
    expect((await pullAll(bob, 'tasks')).changes.map((c) => c.id)).toEqual(['tb']);
  });
}
