/**
 * Backfill and `check` scenarios of the sharing group (decision 0012): a gained key sends only its
 * rows, a key lost and regained is backfilled, and the pull's `check` names unreadable rows.
 */
import type { CollectionChanges, MutationResult, PullResponse, WireRecord } from '@syncline/core';
import { expect, test } from 'vitest';
import type { SyncServer } from '../src/api.ts';
import type { client } from '../src/stores/conformance/helpers.ts';

type Client = ReturnType<typeof client>;

const ids = (c: CollectionChanges | undefined) => (c?.changes ?? []).map((r) => r.id).sort();

/** The helpers of the sharing group these scenarios use. */
export interface SharingKit {
  /** The records of results that must all be applied. */
  ok: (results: MutationResult[]) => WireRecord[];
  /** Pulls one collection to the end. */
  drain: (
    c: Client,
    name: string,
    cursor: string | null,
    limit?: number,
  ) => Promise<{
    cursor: string;
    changes: CollectionChanges['changes'];
    ids: string[];
    resets: number;
    revoked: unknown[];
  }>;
  /** alice owns L with tasks t1, t2; bob is a member. */
  shared: () => Promise<{
    server: SyncServer;
    rawSql: (sql: string, params?: unknown[]) => Promise<void>;
    alice: Client;
    bob: Client;
    membership: WireRecord;
  }>;
}

/** Registers the backfill and check scenarios. */
export function runBackfillScenarios({ ok, drain, shared }: SharingKit): void {
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
}
