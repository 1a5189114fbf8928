/**
 * Handler-level scenarios of `updatedBy` (protocol 3) on the store under test: a push stamps its
 * user, plain SQL stamps null, a conflict's `current` says who wrote it, and clients of protocols
 * 1 and 2 get records without the field.
 */
import type { MutationResult, PullResponse, PushResponse } from '@syncline/core';
import { expect, test } from 'vitest';
import { createSyncServer } from '../src/handler/index.ts';
import type { StoreUnderTest } from '../src/stores/conformance/helpers.ts';
import { client, pullAll, suiteRules, suiteSchema, testAuth } from '../src/stores/conformance/helpers.ts';

type Make = () => Promise<StoreUnderTest>;

export function runUpdatedByScenarios(make: Make): void {
  const serve = async () => {
    const { store, rawSql } = await make();
    const server = createSyncServer({ schema: suiteSchema, rules: suiteRules, store, auth: testAuth });
    return { server, rawSql };
  };
  const applied = (r: MutationResult | undefined) => {
    if (r?.status !== 'applied') throw new Error(`expected applied, got ${JSON.stringify(r)}`);
    return r.record;
  };

  test('a push stamps updatedBy with its user; plain SQL stamps null; pulls carry both', async () => {
    const { server, rawSql } = await serve();
    const alice = client(server, 'alice');
    const [made] = await alice.push([
      { collection: 'lists', id: 'l1', op: 'insert', data: { ownerId: 'alice', name: 'Groceries' } },
    ]);
    expect(applied(made).updatedBy).toBe('alice');
    await alice.push([
      { collection: 'lists', id: 'l2', op: 'insert', data: { ownerId: 'alice', name: 'Work' } },
    ]);
    await rawSql('UPDATE lists SET name = ? WHERE id = ?', ['Errands', 'l2']);
    const { changes } = await pullAll(alice, 'lists');
    expect(changes.map((c) => [c.id, c.updatedBy])).toEqual([
      ['l1', 'alice'],
      ['l2', null],
    ]);
  });

  test("a conflict's current record says who wrote it: another device of the user, or plain SQL", async () => {
    const { server, rawSql } = await serve();
    const phone = client(server, 'alice', 'c-phone');
    const laptop = client(server, 'alice', 'c-laptop');
    const [made] = await phone.push([
      { collection: 'lists', id: 'l1', op: 'insert', data: { ownerId: 'alice', name: 'a' } },
    ]);
    const v1 = applied(made).version;
    await laptop.push([
      { collection: 'lists', id: 'l1', op: 'update', patch: { name: 'b' }, baseVersion: v1 },
    ]);
    const [stale] = await phone.push([
      { collection: 'lists', id: 'l1', op: 'update', patch: { name: 'c' }, baseVersion: v1 },
    ]);
    expect(stale).toMatchObject({
      status: 'rejected',
      code: 'conflict',
      current: { name: 'b', updatedBy: 'alice' },
    });
    await rawSql('UPDATE lists SET name = ? WHERE id = ?', ['d', 'l1']);
    const [again] = await laptop.push([
      { collection: 'lists', id: 'l1', op: 'update', patch: { name: 'e' }, baseVersion: v1 },
    ]);
    expect(again).toMatchObject({
      status: 'rejected',
      code: 'conflict',
      current: { name: 'd', updatedBy: null },
    });
  });

  test('a client cannot write updatedBy: a mutation naming it is invalid, the record keeps its writer', async () => {
    const { server } = await serve();
    const alice = client(server, 'alice');
    const [made] = await alice.push([
      { collection: 'lists', id: 'l1', op: 'insert', data: { ownerId: 'alice', name: 'a' } },
    ]);
    const [forged] = await alice.push([
      {
        collection: 'lists',
        id: 'l1',
        op: 'update',
        patch: { name: 'b', updatedBy: 'mallory' },
        baseVersion: applied(made).version,
      },
    ]);
    expect(forged).toMatchObject({ status: 'rejected', code: 'invalid' });
    const { changes } = await pullAll(alice, 'lists');
    expect(changes).toEqual([expect.objectContaining({ id: 'l1', name: 'a', updatedBy: 'alice' })]);
  });

  for (const protocol of [1, 2]) {
    test(`protocol ${protocol} clients get records without updatedBy, in push and pull answers`, async () => {
      const { server } = await serve();
      const old = client(server, 'alice', `c-old-${protocol}`);
      const push = async (mutations: Parameters<typeof old.batch>[0]) => {
        const res = await old.post('/push', {
          protocol,
          clientId: `c-old-${protocol}`,
          mutations: old.batch(mutations),
        });
        expect(res.status).toBe(200);
        return (res.body as unknown as PushResponse).results;
      };
      const [made] = await push([
        { collection: 'lists', id: 'l1', op: 'insert', data: { ownerId: 'alice', name: 'a' } },
      ]);
      expect(applied(made)).not.toHaveProperty('updatedBy');
      const [conflict] = await push([
        { collection: 'lists', id: 'l1', op: 'update', patch: { name: 'x' }, baseVersion: 0 },
      ]);
      expect(conflict).toMatchObject({ status: 'rejected', code: 'conflict', current: { name: 'a' } });
      expect((conflict as { current: object }).current).not.toHaveProperty('updatedBy');
      const res = await old.post('/pull', {
        protocol,
        clientId: `c-old-${protocol}`,
        collections: { lists: { cursor: null } },
      });
      expect(res.status).toBe(200);
      const { changes } = (res.body as unknown as PullResponse).collections.lists!;
      expect(changes).toEqual([expect.objectContaining({ id: 'l1', name: 'a' })]);
      expect(changes[0]).not.toHaveProperty('updatedBy');
      // The same record still tells a protocol-3 client who wrote it.
      const { changes: now } = await pullAll(client(server, 'alice', 'c-new'), 'lists');
      expect(now[0]?.updatedBy).toBe('alice');
    });
  }
}
