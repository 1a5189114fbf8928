/**
 * Realtime scenarios of the server-store suite (issue 11, decision 0013), run on every store
 * through `runServerStoreSuite`'s extras: scoped pokes (a private change wakes nobody else),
 * memberships through the rules' `affects`, and plain SQL from another connection. Real `ws`
 * clients over loopback against `listen()`; pokes are counted on the server.
 */
import type { MutationResult } from '@syncline/core';
import { expect, test } from 'vitest';
import type { Rules, SyncServer } from '../src/api.ts';
import { createSyncServer } from '../src/handler/index.ts';
import { scopeColumnsOf } from '../src/handler/scope-columns.ts';
import { listen } from '../src/node/listen.ts';
import { client, testAuth } from '../src/stores/conformance/helpers.ts';
import type { OpenStore } from '../src/stores/conformance/server-store-suite.ts';
import { sharingRules, sharingSchema } from './sharing-scenarios.ts';
import { openSocket, type TestSocket, wsUrl } from './socket-client.ts';

/** The README's sharing rules, with `affects` on the collection that decides access. */
export const realtimeRules: Rules = {
  ...sharingRules,
  members: { ...sharingRules.members!, affects: (row) => [String(row.userId)] },
};

const ok = (results: MutationResult[]) => {
  for (const r of results) if (r.status !== 'applied') throw new Error(`not applied: ${JSON.stringify(r)}`);
};

/** A realtime server on a store opened by the suite, listening on a loopback port. */
export async function serveRealtime(open: OpenStore, rules: Rules = realtimeRules) {
  const { store, rawSql } = await open(sharingSchema, scopeColumnsOf(rules));
  const server: SyncServer = createSyncServer({ schema: sharingSchema, rules, store, auth: testAuth });
  const listener = await listen(server, { port: 0 });
  const sockets: TestSocket[] = [];
  return {
    server,
    store,
    rawSql,
    listener,
    pokes: (user: string) => server.realtime!.stats().pokesByUser.get(user) ?? 0,
    async connect(user: string, collections: string[], clientId = `c-${user}-${sockets.length}`) {
      const s = await openSocket(wsUrl(listener.url));
      sockets.push(s);
      await s.hello({ clientId, token: `user:${user}`, collections });
      return s;
    },
    async close() {
      for (const s of sockets) s.ws.terminate();
      await listener.close();
    },
  };
}

export function runRealtimeScenarios(open: OpenStore): void {
  test('a write to X’s private rows pokes X’s socket and none of Y’s 100 sockets (counted on the server)', async () => {
    const r = await serveRealtime(open);
    try {
      const x = await r.connect('xavier', ['audit', 'tasks']);
      const ys = await Promise.all(
        Array.from({ length: 100 }, () => r.connect('yvonne', ['audit', 'tasks'])),
      );
      expect(r.server.realtime!.stats().connections).toBe(101);
      const xc = client(r.server, 'xavier');
      const delays: number[] = [];
      for (let i = 0; i < 5; i++) {
        const t0 = performance.now();
        ok(
          await xc.push([
            { collection: 'audit', id: `x${i}`, op: 'insert', data: { ownerId: 'xavier', what: 'w' } },
          ]),
        );
        expect(await x.next('poke')).toEqual({ type: 'poke', collections: ['audit'] });
        delays.push(performance.now() - t0);
      }
      // The feed batch that poked X has been routed in full: nothing went to Y.
      expect(r.pokes('xavier')).toBe(5);
      expect(r.pokes('yvonne')).toBe(0);
      console.log(
        `[${r.store.kind}] private write → own poke: ${delays.map((d) => d.toFixed(1)).join(', ')} ms; Y's 100 sockets: ${r.pokes('yvonne')} pokes`,
      );
      // Control: Y's own write pokes all of Y's sockets, once each, and not X.
      ok(
        await client(r.server, 'yvonne').push([
          { collection: 'audit', id: 'y1', op: 'insert', data: { ownerId: 'yvonne', what: 'w' } },
        ]),
      );
      for (const y of ys) expect(await y.next('poke')).toEqual({ type: 'poke', collections: ['audit'] });
      expect(r.pokes('yvonne')).toBe(100);
      expect(r.pokes('xavier')).toBe(5);
    } finally {
      await r.close();
    }
  });

  test('a membership change pokes the added and the removed member (affects), for all their collections', async () => {
    const r = await serveRealtime(open);
    try {
      const alice = client(r.server, 'alice');
      const bobHttp = client(r.server, 'bob', 'c-bob-0');
      ok(
        await alice.push([
          { collection: 'lists', id: 'L1', op: 'insert', data: { ownerId: 'alice', name: 'Shop' } },
        ]),
      );
      const bob = await r.connect('bob', ['lists', 'members', 'tasks'], 'c-bob-0');
      // A task in a list bob cannot see yet: no poke for him.
      ok(
        await alice.push([
          { collection: 'tasks', id: 't0', op: 'insert', data: { listId: 'L1', title: 'a' } },
        ]),
      );

      const t0 = performance.now();
      ok(
        await alice.push([
          { collection: 'members', id: 'm1', op: 'insert', data: { listId: 'L1', userId: 'bob' } },
        ]),
      );
      const added = await bob.next('poke');
      console.log(`[${r.store.kind}] member added → poke in ${(performance.now() - t0).toFixed(1)} ms`);
      expect(added.collections).toEqual(['lists', 'members', 'tasks']);
      expect(r.pokes('bob')).toBe(1);

      // Bob pulls (his socket's keys follow his pull), then a task in L1 pokes him.
      const pulled = await bobHttp.pull({ tasks: null });
      expect(pulled.collections.tasks!.changes.map((c) => c.id)).toEqual(['t0']);
      ok(
        await alice.push([
          { collection: 'tasks', id: 't1', op: 'insert', data: { listId: 'L1', title: 'b' } },
        ]),
      );
      expect((await bob.next('poke')).collections).toEqual(['tasks']);

      const t1 = performance.now();
      const [member] = (await bobHttp.pull({ members: null })).collections.members!.changes;
      ok(await alice.push([{ collection: 'members', id: 'm1', op: 'delete', baseVersion: member!.version }]));
      expect((await bob.next('poke')).collections).toEqual(['lists', 'members', 'tasks']);
      console.log(`[${r.store.kind}] member removed → poke in ${(performance.now() - t1).toFixed(1)} ms`);

      // Removed and pulled: alice's next task in L1 does not wake bob. A change bob can see, made
      // after it, is the marker: his next poke names only that collection.
      await bobHttp.pull({ tasks: null });
      ok(
        await alice.push([
          { collection: 'tasks', id: 't2', op: 'insert', data: { listId: 'L1', title: 'c' } },
        ]),
      );
      ok(
        await bobHttp.push([
          { collection: 'lists', id: 'B1', op: 'insert', data: { ownerId: 'bob', name: 'Mine' } },
        ]),
      );
      expect((await bob.next('poke')).collections).toEqual(['lists']);
    } finally {
      await r.close();
    }
  });

  test('plain SQL INSERT, UPDATE and DELETE from another connection poke within 1 s', async () => {
    const r = await serveRealtime(open);
    try {
      const x = await r.connect('xavier', ['audit']);
      const delays: Record<string, number> = {};
      const steps: Array<[string, string, unknown[]]> = [
        ['INSERT', 'INSERT INTO audit (id, owner_id, what) VALUES (?, ?, ?)', ['s1', 'xavier', 'sql']],
        ['UPDATE', 'UPDATE audit SET what = ? WHERE id = ?', ['edited', 's1']],
        ['DELETE', 'DELETE FROM audit WHERE id = ?', ['s1']],
      ];
      for (const [what, sql, params] of steps) {
        const t0 = performance.now();
        await r.rawSql(sql, params);
        expect(await x.next('poke')).toEqual({ type: 'poke', collections: ['audit'] });
        delays[what] = performance.now() - t0;
      }
      console.log(
        `[${r.store.kind}] plain SQL → poke: ${Object.entries(delays)
          .map(([k, v]) => `${k} ${v.toFixed(1)} ms`)
          .join(', ')}`,
      );
      for (const d of Object.values(delays)) expect(d).toBeLessThan(1000);
    } finally {
      await r.close();
    }
  });

  test('a scope move pokes the readers of the old key and of the new one; a public collection pokes all its syncers', async () => {
    const r = await serveRealtime(open);
    try {
      const alice = client(r.server, 'alice');
      ok(
        await alice.push([
          { collection: 'lists', id: 'L1', op: 'insert', data: { ownerId: 'alice', name: 'one' } },
          { collection: 'lists', id: 'L2', op: 'insert', data: { ownerId: 'alice', name: 'two' } },
          { collection: 'members', id: 'mb', op: 'insert', data: { listId: 'L1', userId: 'bob' } },
          { collection: 'members', id: 'mc', op: 'insert', data: { listId: 'L2', userId: 'carol' } },
          { collection: 'tasks', id: 't', op: 'insert', data: { listId: 'L1', title: 'moving' } },
        ]),
      );
      const bob = await r.connect('bob', ['tasks', 'posts']);
      const carol = await r.connect('carol', ['tasks']);
      const [task] = (await alice.pull({ tasks: null })).collections.tasks!.changes;
      ok(
        await alice.push([
          { collection: 'tasks', id: 't', op: 'update', patch: { listId: 'L2' }, baseVersion: task!.version },
        ]),
      );
      // Bob (old key L1) hears of the tombstone, carol (new key L2) of the row.
      expect((await bob.next('poke')).collections).toEqual(['tasks']);
      expect((await carol.next('poke')).collections).toEqual(['tasks']);

      await r.store.write((tx) => tx.insertRecord('posts', 'p1', { body: 'hello all' }));
      expect((await bob.next('poke')).collections).toEqual(['posts']);
      // Carol does not sync posts: her next poke is for the next task change, named alone.
      ok(
        await alice.push([
          { collection: 'tasks', id: 't2', op: 'insert', data: { listId: 'L2', title: 'x' } },
        ]),
      );
      expect((await carol.next('poke')).collections).toEqual(['tasks']);
      expect(r.pokes('carol')).toBe(2);
    } finally {
      await r.close();
    }
  });

  test('negative control: without affects, a new membership wakes the member only for the membership rows', async () => {
    const r = await serveRealtime(open, sharingRules);
    try {
      const alice = client(r.server, 'alice');
      ok(
        await alice.push([
          { collection: 'lists', id: 'L1', op: 'insert', data: { ownerId: 'alice', name: 'Shop' } },
        ]),
      );
      const bob = await r.connect('bob', ['lists', 'members', 'tasks']);
      ok(
        await alice.push([
          { collection: 'members', id: 'm1', op: 'insert', data: { listId: 'L1', userId: 'bob' } },
        ]),
      );
      // Bob's keys say nothing of L1 yet: only his own membership row (scope userId) reaches him.
      expect((await bob.next('poke')).collections).toEqual(['members']);
    } finally {
      await r.close();
    }
  });

  test("a pull made under a new client id (after a re-key) still refreshes the user's socket keys", async () => {
    // Without affects only a pull moves bob's keys; his socket said hello with one client id and
    // his client later took another (seq_gap, a too-large mutation): that pull must still count.
    const r = await serveRealtime(open, sharingRules);
    try {
      const alice = client(r.server, 'alice');
      ok(
        await alice.push([
          { collection: 'lists', id: 'L1', op: 'insert', data: { ownerId: 'alice', name: 'Shop' } },
        ]),
      );
      const bob = await r.connect('bob', ['tasks'], 'c-bob-at-hello');
      // Shared after bob's hello: his socket's keys know nothing of L1 until a pull of his.
      ok(
        await alice.push([
          { collection: 'members', id: 'm1', op: 'insert', data: { listId: 'L1', userId: 'bob' } },
        ]),
      );
      await client(r.server, 'bob', 'c-bob-rekeyed').pull({ tasks: null });
      ok(
        await alice.push([
          { collection: 'tasks', id: 't1', op: 'insert', data: { listId: 'L1', title: 'milk' } },
        ]),
      );
      expect((await bob.next('poke')).collections).toEqual(['tasks']);
    } finally {
      await r.close();
    }
  });
}
