/**
 * Conflict scenarios of the handler group (ARCHITECTURE.md §5.1): each collection's conflict strategy, the
 * `resolve` hook, and writes on deleted or existing records, through `createSyncServer`.
 */
import type { MutationResult, WireRecord } from '@syncline/core';
import { expect, test } from 'vitest';
import type { SyncServer, SyncServerOptions } from '../src/api.ts';
import { client } from '../src/stores/conformance/helpers.ts';

/** Serves the suite's schema and rules (plus `extra`) on a fresh store. */
export type Serve = (extra?: Partial<SyncServerOptions>) => Promise<{ server: SyncServer }>;

/** Registers the conflict scenarios; `applied` unwraps an applied result or throws. */
export function runConflictScenarios(
  serve: Serve,
  applied: (r: MutationResult | undefined) => WireRecord,
): void {
  test('reject-stale: an edit built on an old version is a conflict carrying the current record', async () => {
    const { server } = await serve();
    const a = client(server, 'alice', 'a1');
    const b = client(server, 'alice', 'a2');
    const [list] = await a.push([
      { collection: 'lists', id: 'L1', op: 'insert', data: { ownerId: 'alice', name: 'x' } },
    ]);
    applied(list);
    const [t] = await a.push([
      { collection: 'tasks', id: 't', op: 'insert', data: { listId: 'L1', title: 'orig' } },
    ]);
    const v = applied(t).version;
    applied(
      (
        await a.push([{ collection: 'tasks', id: 't', op: 'update', patch: { title: 'A' }, baseVersion: v }])
      )[0],
    );
    const [r] = await b.push([
      { collection: 'tasks', id: 't', op: 'update', patch: { done: true }, baseVersion: v },
    ]);
    expect(r).toMatchObject({
      status: 'rejected',
      code: 'conflict',
      current: { id: 't', title: 'A', done: false },
    });
    expect((r as { message: string }).message).toMatch(/changed this task/);
    const [d] = await b.push([{ collection: 'tasks', id: 't', op: 'delete', baseVersion: v }]);
    expect(d).toMatchObject({ status: 'rejected', code: 'conflict', current: { title: 'A' } });
  });

  test('merge-fields: edits to different fields merge, the same field conflicts', async () => {
    const { server } = await serve();
    const a = client(server, 'alice', 'a1');
    const b = client(server, 'alice', 'a2');
    const v = applied(
      (
        await a.push([{ collection: 'cards', id: 'k', op: 'insert', data: { ownerId: 'alice', title: 'T' } }])
      )[0],
    ).version;
    applied(
      (
        await a.push([
          { collection: 'cards', id: 'k', op: 'update', patch: { title: 'from A' }, baseVersion: v },
        ])
      )[0],
    );
    const [ok] = await b.push([
      { collection: 'cards', id: 'k', op: 'update', patch: { color: 'red' }, baseVersion: v },
    ]);
    expect(applied(ok)).toMatchObject({ title: 'from A', color: 'red' });
    const [bad] = await b.push([
      { collection: 'cards', id: 'k', op: 'update', patch: { title: 'from B' }, baseVersion: v },
    ]);
    expect(bad).toMatchObject({
      status: 'rejected',
      code: 'conflict',
      current: { title: 'from A', color: 'red' },
    });
  });

  test('last-write-wins: updates apply in arrival order, stale deletes apply', async () => {
    const { server } = await serve();
    const a = client(server, 'alice', 'a1');
    const b = client(server, 'alice', 'a2');
    const v = applied(
      (
        await a.push([
          { collection: 'counters', id: 'n', op: 'insert', data: { ownerId: 'alice', value: 1 } },
        ])
      )[0],
    ).version;
    applied(
      (
        await a.push([{ collection: 'counters', id: 'n', op: 'update', patch: { value: 2 }, baseVersion: v }])
      )[0],
    );
    expect(
      applied(
        (
          await b.push([
            { collection: 'counters', id: 'n', op: 'update', patch: { value: 3 }, baseVersion: v },
          ])
        )[0],
      ).value,
    ).toBe(3);
    expect(
      applied((await b.push([{ collection: 'counters', id: 'n', op: 'delete', baseVersion: v }]))[0])
        .deletedAt,
    ).toEqual(expect.any(String));
  });

  test('the resolve hook may merge or reject a conflicting change', async () => {
    const { server } = await serve();
    const a = client(server, 'alice', 'a1');
    const b = client(server, 'alice', 'a2');
    const v = applied(
      (
        await a.push([
          { collection: 'notes', id: 'n', op: 'insert', data: { ownerId: 'alice', body: 'one' } },
        ])
      )[0],
    ).version;
    applied(
      (
        await a.push([{ collection: 'notes', id: 'n', op: 'update', patch: { body: 'two' }, baseVersion: v }])
      )[0],
    );
    const [merged] = await b.push([
      { collection: 'notes', id: 'n', op: 'update', patch: { body: 'three' }, baseVersion: v },
    ]);
    expect(applied(merged)).toMatchObject({ body: 'two | three', ownerId: 'alice' });
    const [del] = await b.push([{ collection: 'notes', id: 'n', op: 'delete', baseVersion: v }]);
    expect(del).toMatchObject({
      status: 'rejected',
      code: 'conflict',
      message: expect.stringMatching(/cannot be deleted/),
    });
  });

  test('update of a deleted record is not_found; delete of a deleted record is an applied no-op', async () => {
    const { server } = await serve();
    const a = client(server, 'alice');
    const v = applied(
      (await a.push([{ collection: 'counters', id: 'n', op: 'insert', data: { ownerId: 'alice' } }]))[0],
    ).version;
    const tomb = applied(
      (await a.push([{ collection: 'counters', id: 'n', op: 'delete', baseVersion: v }]))[0],
    );
    const [upd, again, missing] = await a.push([
      { collection: 'counters', id: 'n', op: 'update', patch: { value: 5 }, baseVersion: tomb.version },
      { collection: 'counters', id: 'n', op: 'delete', baseVersion: v },
      { collection: 'counters', id: 'never', op: 'update', patch: { value: 5 }, baseVersion: 1 },
    ]);
    expect(upd).toMatchObject({ status: 'rejected', code: 'not_found' });
    expect(applied(again)).toEqual(tomb);
    expect(missing).toMatchObject({ status: 'rejected', code: 'not_found' });
  });

  test('insert of an existing id, even a tombstone, is a conflict', async () => {
    const { server } = await serve();
    const a = client(server, 'alice');
    const v = applied(
      (await a.push([{ collection: 'counters', id: 'n', op: 'insert', data: { ownerId: 'alice' } }]))[0],
    ).version;
    applied((await a.push([{ collection: 'counters', id: 'n', op: 'delete', baseVersion: v }]))[0]);
    const [r] = await a.push([{ collection: 'counters', id: 'n', op: 'insert', data: { ownerId: 'alice' } }]);
    expect(r).toMatchObject({
      status: 'rejected',
      code: 'conflict',
      current: { id: 'n', deletedAt: expect.any(String) },
    });
  });
}
