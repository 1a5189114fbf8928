/**
 * Sharing scenarios of the server-store suite (issue 9, decision 0012): rows readable through
 * several scopes, access removed over the protocol, and gained keys backfilled without
 * re-downloading the collection. Run on every store through `runServerStoreSuite`'s extras.
 */
import type { CollectionChanges, MutationResult, PullResponse } from '@syncline/core';
import { defineSchema, t } from '@syncline/core';
import { expect, test } from 'vitest';
import type { AuthContext, Rules } from '../src/api.ts';
import { createSyncServer } from '../src/handler/index.ts';
import { scopeColumnsOf } from '../src/handler/scope-columns.ts';
import { client, testAuth } from '../src/stores/conformance/helpers.ts';
import type { OpenStore } from '../src/stores/conformance/server-store-suite.ts';
import type { SqlDb } from '../src/stores/types.ts';
import { runBackfillScenarios } from './backfill-scenarios.ts';

export const sharingSchema = defineSchema({
  lists: { columns: { name: t.text(), ownerId: t.text() } },
  tasks: { columns: { listId: t.text(), title: t.text(), done: t.boolean().default(false) } },
  members: { columns: { listId: t.text(), userId: t.text() } },
  posts: { columns: { body: t.text() } },
  audit: { columns: { ownerId: t.text(), what: t.text() } },
});

async function owned(auth: AuthContext, db: SqlDb): Promise<string[]> {
  const rows = await db.all<{ id: string }>(
    'SELECT id FROM lists WHERE owner_id = ? AND deleted_at IS NULL',
    [auth.userId],
  );
  return rows.map((r) => r.id);
}

/** Live memberships of live lists: a deleted list closes to its members. */
async function memberOf(auth: AuthContext, db: SqlDb): Promise<string[]> {
  const rows = await db.all<{ id: string }>(
    `SELECT m.list_id AS id FROM members m JOIN lists l ON l.id = m.list_id AND l.deleted_at IS NULL
      WHERE m.user_id = ? AND m.deleted_at IS NULL`,
    [auth.userId],
  );
  return rows.map((r) => r.id);
}

/** The patterns of the README: shared lists with members, an admin, public read-only rows. */
export const sharingRules: Rules = {
  lists: {
    scope: ['ownerId', 'id'],
    access: async (auth, db) => ({ ownerId: [auth.userId], id: await memberOf(auth, db) }),
    write: (auth, { old, new: next }) =>
      (old === null || old.ownerId === auth.userId) && (next === null || next.ownerId === auth.userId),
  },
  tasks: {
    scope: 'listId',
    access: async (auth, db) => [...(await owned(auth, db)), ...(await memberOf(auth, db))],
  },
  members: {
    scope: ['userId', 'listId'],
    // A member sees their own memberships and those of co-members; the owner sees the list's.
    access: async (auth, db) => ({
      userId: [auth.userId],
      listId: [...(await owned(auth, db)), ...(await memberOf(auth, db))],
    }),
    write: async (auth, { old, new: next }, db) => {
      if (old !== null && next === null && old.userId === auth.userId) return true; // leaving
      const mine = await owned(auth, db);
      return [old, next].every((r) => r === null || mine.includes(String(r.listId)));
    },
  },
  posts: { scope: 'public' },
  audit: {
    scope: 'ownerId',
    access: (auth) => (auth.claims.role === 'admin' ? 'all' : [auth.userId]),
  },
};

const ids = (c: CollectionChanges | undefined) => (c?.changes ?? []).map((r) => r.id).sort();
const live = (c: CollectionChanges | undefined) =>
  (c?.changes ?? [])
    .filter((r) => r.deletedAt === null)
    .map((r) => r.id)
    .sort();

export function runSharingScenarios(open: OpenStore): void {
  const serve = async (rules: Rules = sharingRules) => {
    const { store, rawSql } = await open(sharingSchema, scopeColumnsOf(rules));
    return { server: createSyncServer({ schema: sharingSchema, rules, store, auth: testAuth }), rawSql };
  };
  const ok = (results: MutationResult[]) => {
    for (const r of results) if (r.status !== 'applied') throw new Error(`not applied: ${JSON.stringify(r)}`);
    return results.map((r) => (r.status === 'applied' ? r.record : null)!);
  };
  /** Pulls one collection to the end; every page's changes and the pages' `revoked`. */
  const drain = async (c: ReturnType<typeof client>, name: string, cursor: string | null, limit?: number) => {
    const pages: CollectionChanges[] = [];
    for (let i = 0; i < 1000; i++) {
      const res: PullResponse = await c.pull({ [name]: cursor }, limit);
      const page = res.collections[name]!;
      pages.push(page);
      cursor = page.cursor;
      if (!page.hasMore) break;
    }
    const changes = pages.flatMap((p) => p.changes);
    return {
      cursor: cursor!,
      changes,
      ids: changes.map((r) => r.id).sort(),
      resets: pages.filter((p) => p.reset).length,
      revoked: pages.flatMap((p) => (p.revoked ? [p.revoked] : [])),
    };
  };
  /** alice owns L with tasks t1, t2; bob is a member. */
  const shared = async () => {
    const { server, rawSql } = await serve();
    const alice = client(server, 'alice');
    const bob = client(server, 'bob');
    const [, , , m] = ok(
      await alice.push([
        { collection: 'lists', id: 'L', op: 'insert', data: { name: 'shared', ownerId: 'alice' } },
        { collection: 'tasks', id: 't1', op: 'insert', data: { listId: 'L', title: 'one' } },
        { collection: 'tasks', id: 't2', op: 'insert', data: { listId: 'L', title: 'two' } },
        { collection: 'members', id: 'm-bob', op: 'insert', data: { listId: 'L', userId: 'bob' } },
      ]),
    );
    return { server, rawSql, alice, bob, membership: m! };
  };
  runBackfillScenarios({ ok, drain, shared });

  test('multi-scope: a membership is readable by its member, the owner and co-members, not by others', async () => {
    const { server, alice, bob } = await shared();
    const carol = client(server, 'carol');
    ok(
      await alice.push([
        { collection: 'members', id: 'm-carol', op: 'insert', data: { listId: 'L', userId: 'carol' } },
      ]),
    );
    expect((await drain(alice, 'members', null)).ids).toEqual(['m-bob', 'm-carol']);
    expect((await drain(bob, 'members', null)).ids).toEqual(['m-bob', 'm-carol']);
    const dave = client(server, 'dave');
    expect((await drain(dave, 'members', null)).ids).toEqual([]);
    // Members read the list itself (scope `id`), not other lists.
    expect((await drain(carol, 'lists', null)).ids).toEqual(['L']);
    expect((await drain(dave, 'lists', null)).ids).toEqual([]);
  });

  test('the owner removes a membership; a member leaves; a stranger is refused without current', async () => {
    const { server, alice, bob, membership } = await shared();
    ok(
      await alice.push([
        { collection: 'members', id: 'm-carol', op: 'insert', data: { listId: 'L', userId: 'carol' } },
      ]),
    );
    const carol = client(server, 'carol');
    const dave = client(server, 'dave');
    const [byDave] = await dave.push([
      { collection: 'members', id: 'm-bob', op: 'delete', baseVersion: membership.version },
    ]);
    expect(byDave).toMatchObject({ status: 'rejected', code: 'forbidden' });
    expect(byDave).not.toHaveProperty('current');
    // bob may not remove carol: he reads her membership, so the refusal carries it.
    const carolRow = (await drain(bob, 'members', null)).changes.find((r) => r.id === 'm-carol')!;
    const [byBob] = await bob.push([
      { collection: 'members', id: 'm-carol', op: 'delete', baseVersion: carolRow.version },
    ]);
    expect(byBob).toMatchObject({ status: 'rejected', code: 'forbidden', current: { id: 'm-carol' } });
    ok(
      await alice.push([
        { collection: 'members', id: 'm-bob', op: 'delete', baseVersion: membership.version },
      ]),
    );
    ok(
      await carol.push([
        { collection: 'members', id: 'm-carol', op: 'delete', baseVersion: carolRow.version },
      ]),
    );
    expect(live((await alice.pull({ members: null })).collections.members)).toEqual([]);
  });

  test('revocation: the removed member is told which keys it lost, only then, and its writes are refused', async () => {
    const { alice, bob, membership } = await shared();
    const before = await drain(bob, 'tasks', null);
    expect(before.ids).toEqual(['t1', 't2']);
    const t1 = before.changes.find((r) => r.id === 't1')!;
    ok(
      await alice.push([
        { collection: 'members', id: 'm-bob', op: 'delete', baseVersion: membership.version },
      ]),
    );
    const after = await drain(bob, 'tasks', before.cursor);
    expect(after.resets).toBe(0);
    expect(after.changes).toEqual([]);
    expect(after.revoked).toEqual([{ keys: { listId: ['L'] }, kept: {} }]);
    // Told once: the next pull is quiet.
    const quiet = await drain(bob, 'tasks', after.cursor);
    expect(quiet.revoked).toEqual([]);
    expect(quiet.changes).toEqual([]);
    const [refused] = await bob.push([
      { collection: 'tasks', id: 't1', op: 'update', patch: { done: true }, baseVersion: t1.version },
    ]);
    expect(refused).toMatchObject({ status: 'rejected', code: 'forbidden' });
    expect(refused).not.toHaveProperty('current');
    const [insert] = await bob.push([
      { collection: 'tasks', id: 't9', op: 'insert', data: { listId: 'L', title: 'x' } },
    ]);
    expect(insert).toMatchObject({ status: 'rejected', code: 'forbidden' });
    // The owner still sees everything, untouched.
    const owner = await drain(alice, 'tasks', null);
    expect(owner.ids).toEqual(['t1', 't2']);
    expect(owner.changes.find((r) => r.id === 't1')).toMatchObject({ done: false });
    // The list left his scope too (he read it by its id).
    expect((await drain(bob, 'lists', null)).ids).toEqual([]);
  });

  test('multi-scope revocation keeps rows still readable through another scope column', async () => {
    const { alice, bob } = await shared();
    ok(
      await alice.push([
        { collection: 'members', id: 'm-carol', op: 'insert', data: { listId: 'L', userId: 'carol' } },
      ]),
    );
    const before = await drain(bob, 'members', null);
    expect(before.ids).toEqual(['m-bob', 'm-carol']);
    // alice deletes the list: bob loses the key listId:L, but still reads his own membership by userId.
    const list = (await drain(alice, 'lists', null)).changes.find((r) => r.id === 'L')!;
    ok(await alice.push([{ collection: 'lists', id: 'L', op: 'delete', baseVersion: list.version }]));
    const after = await drain(bob, 'members', before.cursor);
    expect(after.revoked).toEqual([{ keys: { listId: ['L'] }, kept: { userId: ['bob'] } }]);
    // A deleted list closes its tasks to members.
    const tasks = await drain(bob, 'tasks', null);
    expect(tasks.ids).toEqual([]);
  });

  test('protocol 1 clients keep the hash cursor: a key change resets, nothing is revoked', async () => {
    const { alice, bob, membership } = await shared();
    const pull1 = async (cursor: string | null) => {
      const res = await bob.post('/pull', {
        protocol: 1,
        clientId: 'c-bob-v1',
        collections: { tasks: { cursor } },
      });
      expect(res.status).toBe(200);
      return (res.body as PullResponse).collections.tasks!;
    };
    const first = await pull1(null);
    expect(ids(first)).toEqual(['t1', 't2']);
    expect(first.cursor.startsWith('k2.')).toBe(false);
    ok(
      await alice.push([
        { collection: 'members', id: 'm-bob', op: 'delete', baseVersion: membership.version },
      ]),
    );
    const after = await pull1(first.cursor);
    expect(after.reset).toBe(true);
    expect(after).not.toHaveProperty('revoked');
    expect(after.changes).toEqual([]);
    // A protocol-2 client upgrading with a protocol-1 cursor continues while its keys hold.
    const fresh = await pull1(null);
    const upgraded = await drain(bob, 'tasks', fresh.cursor);
    expect(upgraded.resets).toBe(0);
    expect(upgraded.changes).toEqual([]);
  });

  test('a key set too large to carry falls back to the hash cursor: a change then resets', async () => {
    let keys = 800;
    const many = (n: number) => Array.from({ length: n }, (_, i) => `key-${String(i).padStart(20, '0')}`);
    const { server, rawSql } = await serve({
      ...sharingRules,
      audit: { scope: 'ownerId', access: (auth) => [auth.userId, ...many(keys)] },
    });
    await rawSql("INSERT INTO audit (id, owner_id, what) VALUES ('a1', 'alice', 'x')");
    const alice = client(server, 'alice');
    const first = await drain(alice, 'audit', null);
    expect(first.ids).toEqual(['a1']);
    expect(first.cursor.startsWith('k2.')).toBe(false);
    keys = 801;
    const after = await drain(alice, 'audit', first.cursor);
    expect(after.resets).toBe(1);
    expect(after.ids).toEqual(['a1']);
  });

  test("patterns: public read-only rows; an admin reads every row through access 'all'", async () => {
    const { server, rawSql } = await serve();
    const alice = client(server, 'alice');
    const [post] = await alice.push([{ collection: 'posts', id: 'p1', op: 'insert', data: { body: 'hi' } }]);
    expect(post).toMatchObject({ status: 'rejected', code: 'forbidden' });
    await rawSql("INSERT INTO posts (id, body) VALUES ('p1', 'from the backend')");
    expect(ids((await alice.pull({ posts: null })).collections.posts)).toEqual(['p1']);
    ok(
      await alice.push([
        { collection: 'audit', id: 'a1', op: 'insert', data: { ownerId: 'alice', what: 'x' } },
      ]),
    );
    await rawSql("INSERT INTO audit (id, owner_id, what) VALUES ('a2', 'bob', 'y')");
    expect(ids((await alice.pull({ audit: null })).collections.audit)).toEqual(['a1']);
    const admin = createSyncServer({
      schema: sharingSchema,
      rules: sharingRules,
      store: server.store,
      auth: { verify: async () => ({ userId: 'root', claims: { role: 'admin' } }) },
    });
    expect(ids((await client(admin, 'root').pull({ audit: null })).collections.audit)).toEqual(['a1', 'a2']);
  });
}
