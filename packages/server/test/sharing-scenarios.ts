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

  test('backfill: a gained key sends only its rows, not the whole collection, over several pages', async () => {
    const { alice, bob } = await shared();
    ok(
      await bob.push([
        { collection: 'lists', id: 'B', op: 'insert', data: { name: 'bob own', ownerId: 'bob' } },
        ...Array.from({ length: 5 }, (_, i) => ({
          collection: 'tasks',
          id: `b${i}`,
          op: 'insert' as const,
          data: { listId: 'B', title: `b${i}` },
        })),
      ]),
    );
    const first = await drain(bob, 'tasks', null);
    expect(first.ids).toEqual(['b0', 'b1', 'b2', 'b3', 'b4', 't1', 't2']);
    ok(
      await alice.push([
        { collection: 'lists', id: 'N', op: 'insert', data: { name: 'new', ownerId: 'alice' } },
        { collection: 'tasks', id: 'n1', op: 'insert', data: { listId: 'N', title: 'n1' } },
        { collection: 'tasks', id: 'n2', op: 'insert', data: { listId: 'N', title: 'n2' } },
        { collection: 'tasks', id: 'n3', op: 'insert', data: { listId: 'N', title: 'n3' } },
        { collection: 'members', id: 'm-bob-n', op: 'insert', data: { listId: 'N', userId: 'bob' } },
      ]),
    );
    const gained = await drain(bob, 'tasks', first.cursor, 2);
    expect(gained.resets).toBe(0);
    expect(gained.ids).toEqual(['n1', 'n2', 'n3']);
    // The groups met: later changes in old and new lists arrive once each.
    const n2 = gained.changes.find((r) => r.id === 'n2')!;
    const b0 = first.changes.find((r) => r.id === 'b0')!;
    ok(
      await bob.push([
        { collection: 'tasks', id: 'n2', op: 'update', patch: { done: true }, baseVersion: n2.version },
      ]),
    );
    ok(
      await bob.push([
        { collection: 'tasks', id: 'b0', op: 'update', patch: { done: true }, baseVersion: b0.version },
      ]),
    );
    const next = await drain(bob, 'tasks', gained.cursor);
    expect(next.ids).toEqual(['b0', 'n2']);
  });

  test('backfill beside a main read that is behind: nothing skipped, nothing twice, a moved row stays', async () => {
    const { alice, bob } = await shared();
    ok(
      await bob.push([
        { collection: 'lists', id: 'B', op: 'insert', data: { name: 'bob own', ownerId: 'bob' } },
      ]),
    );
    const first = await drain(bob, 'tasks', null);
    expect(first.ids).toEqual(['t1', 't2']);
    // While bob is away: new tasks in L, a new list N shared with him, and t1 moved from L to N.
    const t1 = first.changes.find((r) => r.id === 't1')!;
    ok(
      await alice.push([
        { collection: 'tasks', id: 't3', op: 'insert', data: { listId: 'L', title: 'three' } },
        { collection: 'lists', id: 'N', op: 'insert', data: { name: 'new', ownerId: 'alice' } },
        { collection: 'tasks', id: 'n1', op: 'insert', data: { listId: 'N', title: 'n1' } },
        { collection: 'members', id: 'm-bob-n', op: 'insert', data: { listId: 'N', userId: 'bob' } },
        { collection: 'tasks', id: 't1', op: 'update', patch: { listId: 'N' }, baseVersion: t1.version },
        { collection: 'tasks', id: 't4', op: 'insert', data: { listId: 'L', title: 'four' } },
      ]),
    );
    const next = await drain(bob, 'tasks', first.cursor, 1);
    expect(next.resets).toBe(0);
    const latest = new Map<string, Record<string, unknown>>();
    for (const c of next.changes) {
      const seen = latest.get(c.id);
      if (!seen || Number(c.version) >= Number(seen.version)) latest.set(c.id, c);
    }
    // t1 is never a tombstone for bob: it moved between two keys he holds.
    expect(next.changes.filter((c) => c.id === 't1').every((c) => c.deletedAt === null)).toBe(true);
    expect(
      [...latest.values()]
        .filter((c) => c.deletedAt === null)
        .map((c) => c.id)
        .sort(),
    ).toEqual(['n1', 't1', 't3', 't4']);
    expect(latest.get('t1')).toMatchObject({ listId: 'N' });
  });

  test('a key lost and regained before the client caught up is backfilled, not revoked', async () => {
    const { alice, bob, membership } = await shared();
    const first = await drain(bob, 'tasks', null);
    ok(
      await alice.push([
        { collection: 'members', id: 'm-bob', op: 'delete', baseVersion: membership.version },
      ]),
    );
    // bob is away while alice removes him and adds him again.
    ok(
      await alice.push([
        { collection: 'members', id: 'm-bob-2', op: 'insert', data: { listId: 'L', userId: 'bob' } },
      ]),
    );
    const again = await drain(bob, 'tasks', first.cursor);
    expect(again.revoked).toEqual([]);
    expect(again.resets).toBe(0);
  });

  test('check: a pushed row under a key gained and lost between two pulls is named unreadable', async () => {
    const { alice, bob, membership } = await shared();
    ok(
      await alice.push([
        { collection: 'members', id: 'm-bob', op: 'delete', baseVersion: membership.version },
      ]),
    );
    const before = await drain(bob, 'tasks', null);
    expect(before.ids).toEqual([]);
    // Added, bob writes into L before pulling; then he is removed again.
    ok(
      await alice.push([
        { collection: 'members', id: 'm-bob-2', op: 'insert', data: { listId: 'L', userId: 'bob' } },
      ]),
    );
    const [mine] = ok(
      await bob.push([{ collection: 'tasks', id: 'tb', op: 'insert', data: { listId: 'L', title: 'b' } }]),
    );
    const again = (await drain(alice, 'members', null)).changes.find((r) => r.id === 'm-bob-2')!;
    ok(
      await alice.push([{ collection: 'members', id: 'm-bob-2', op: 'delete', baseVersion: again.version }]),
    );
    // His cursor never held L, so nothing is revoked; the check names the row he holds.
    const res = await bob.post('/pull', {
      protocol: 2,
      clientId: 'c-bob',
      collections: { tasks: { cursor: before.cursor, check: { tb: mine!.version, nope: 0 } } },
    });
    const page = (res.body as PullResponse).collections.tasks!;
    expect(page.revoked).toBeUndefined();
    expect(page.changes).toEqual([]);
    expect([...page.unreadable!].sort()).toEqual(['nope', 'tb']);
  });

  test('check: a row removed by a refusal comes back when it is readable again', async () => {
    const { alice, bob, membership } = await shared();
    const before = await drain(bob, 'tasks', null);
    const t1 = before.changes.find((r) => r.id === 't1')!;
    ok(
      await alice.push([
        { collection: 'members', id: 'm-bob', op: 'delete', baseVersion: membership.version },
      ]),
    );
    const [refused] = await bob.push([
      { collection: 'tasks', id: 't1', op: 'update', patch: { done: true }, baseVersion: t1.version },
    ]);
    expect(refused).not.toHaveProperty('current');
    ok(
      await alice.push([
        { collection: 'members', id: 'm-bob-2', op: 'insert', data: { listId: 'L', userId: 'bob' } },
      ]),
    );
    // The cursor still holds L (no pull saw it go): only the check brings t1 back.
    const res = await bob.post('/pull', {
      protocol: 2,
      clientId: 'c-bob',
      collections: { tasks: { cursor: before.cursor, check: { t1: 0, t2: t1.version + 1000 } } },
    });
    const page = (res.body as PullResponse).collections.tasks!;
    expect(ids(page)).toEqual(['t1', 't2']);
    expect(page.unreadable).toBeUndefined();
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
