import { PROTOCOL_VERSION } from '@syncline/core';
import { describe, expect, test } from 'vitest';
import {
  applyAll,
  type Call,
  defaultAnswer,
  emptyPull,
  fail,
  info,
  ok,
  scriptedClient,
} from '../../test/scripted.ts';
import { SLOW_FAILURE_MS } from './push.ts';

const seqs = (b: Call['body']) => b!.mutations!.map((m) => m.seq);

describe('push with scripted transport', () => {
  test('squashes per record, cancels insert…delete, assigns consecutive seqs, sends baseVersion from the ack', async () => {
    const c = scriptedClient(defaultAnswer);
    const a = await c.db.notes.insert({ title: 'a' });
    await c.db.notes.update(a.id, { title: 'a2' });
    const b = await c.db.notes.insert({ title: 'b' });
    await c.db.notes.delete(b.id);
    const d = await c.db.notes.insert({ title: 'd' });
    await c.sync();
    expect(c.pushes()).toHaveLength(1);
    expect(c.pushes()[0]!.mutations).toEqual([
      { seq: 1, collection: 'notes', id: a.id, op: 'insert', data: { title: 'a2' } },
      { seq: 2, collection: 'notes', id: d.id, op: 'insert', data: { title: 'd' } },
    ]);
    expect(c.pushes()[0]).toMatchObject({ protocol: PROTOCOL_VERSION, schemaHash: expect.any(String) });
    const acked = await c.db.notes.get(a.id);
    expect(acked!.version).toBeGreaterThan(0);
    await c.db.notes.update(a.id, { title: 'a3' });
    await c.sync();
    expect(c.pushes()[1]!.mutations).toEqual([
      {
        seq: 3,
        collection: 'notes',
        id: a.id,
        op: 'update',
        patch: { title: 'a3' },
        baseVersion: acked!.version,
      },
    ]);
    expect(c.status.pending).toBe(0);
  });

  test('a lost answer is re-sent unchanged (same seqs, same clientId); newer writes wait for the next batch', async () => {
    let lose = true;
    const c = scriptedClient((call) => {
      if (call.path === '/push' && lose) {
        lose = false;
        return 'network';
      }
      return defaultAnswer(call);
    });
    const a = await c.db.notes.insert({ title: 'a' });
    await expect(c.sync()).rejects.toMatchObject({ code: 'network', retryable: true });
    expect(c.status.connected).toBe(false);
    await c.db.notes.update(a.id, { title: 'a2' });
    await c.sync();
    const [first, again, next] = c.pushes();
    expect(again).toEqual(first);
    expect(seqs(again)).toEqual([1]);
    // The update was made on an unacknowledged insert: it went after the ack, with its version.
    expect(next!.mutations).toEqual([
      {
        seq: 2,
        collection: 'notes',
        id: a.id,
        op: 'update',
        patch: { title: 'a2' },
        baseVersion: expect.any(Number),
      },
    ]);
    expect(c.status.connected).toBe(true);
    expect(c.status.error).toBeNull();
  });

  test('413 halves the batch until it fits, keeping seqs consecutive', async () => {
    const c = scriptedClient((call) => {
      if (call.path === '/push' && call.body!.mutations!.length > 2) return fail(413, 'payload_too_large');
      return defaultAnswer(call);
    });
    for (const t of ['a', 'b', 'c', 'd', 'e']) await c.db.notes.insert({ title: t });
    await c.sync();
    expect(c.pushes().map(seqs)).toEqual([[1, 2, 3, 4, 5], [1, 2], [3, 4], [5]]);
    expect(c.status.pending).toBe(0);
  });

  test('two timeouts in a row (network failures after a long time in flight) halve the batch; quick failures do not', async () => {
    let slow = 2;
    const c = scriptedClient((call) => {
      if (call.path === '/push' && slow > 0) {
        slow--;
        c.clock.advance(SLOW_FAILURE_MS); // the request hung until a timeout cut it
        return 'network';
      }
      return defaultAnswer(call);
    });
    for (const t of ['a', 'b', 'c', 'd']) await c.db.notes.insert({ title: t });
    await expect(c.sync()).rejects.toMatchObject({ code: 'network' });
    await expect(c.sync()).rejects.toMatchObject({ code: 'network' });
    await c.sync();
    // The sent entries keep their seqs: the smaller batches are a prefix of them.
    expect(c.pushes().map(seqs)).toEqual([
      [1, 2, 3, 4],
      [1, 2, 3, 4],
      [1, 2],
      [3, 4],
    ]);
    expect(c.status.pending).toBe(0);

    let quick = 3;
    const d = scriptedClient((call) => {
      if (call.path === '/push' && quick-- > 0) return 'network'; // refused at once: not a timeout
      return defaultAnswer(call);
    });
    for (const t of ['a', 'b', 'c', 'd']) await d.db.notes.insert({ title: t });
    for (let i = 0; i < 3; i++) await expect(d.sync()).rejects.toMatchObject({ code: 'network' });
    await d.sync();
    expect(d.pushes().map(seqs)).toEqual([
      [1, 2, 3, 4],
      [1, 2, 3, 4],
      [1, 2, 3, 4],
      [1, 2, 3, 4],
    ]);
  });

  test('a single mutation too large for the server is rejected locally, never re-sent forever', async () => {
    const c = scriptedClient((call) => {
      const big = call.body?.mutations?.some((m) => m.op === 'insert' && String(m.data.title).length > 1000);
      if (call.path === '/push' && big) return fail(413, 'payload_too_large');
      return defaultAnswer(call);
    });
    const rejected: Array<{ code: string; id: string }> = [];
    c.on('rejected', (r) => rejected.push(r));
    await c.db.notes.insert({ title: 'small' });
    const huge = await c.db.notes.insert({ title: 'x'.repeat(5000) });
    await c.db.notes.insert({ title: 'after' });
    await c.sync();
    expect(c.status.pending).toBe(0);
    expect(rejected).toEqual([expect.objectContaining({ code: 'invalid', id: huge.id })]);
    expect(await c.db.notes.get(huge.id)).toBeNull();
    expect((await c.db.notes.find({})).map((r) => r.title).sort()).toEqual(['after', 'small']);
  });

  test('the server limit from /info sizes batches', async () => {
    const c = scriptedClient((call) =>
      call.path === '/info' ? info({ maxMutationsPerPush: 2 }) : defaultAnswer(call),
    );
    for (const t of ['a', 'b', 'c']) await c.db.notes.insert({ title: t });
    await c.sync();
    expect(c.pushes().map(seqs)).toEqual([[1, 2], [3]]);
  });

  test('409 seq_gap and a foreign clientId start a new clientId from seq 1', async () => {
    const answers = [
      fail(409, 'seq_gap', { expectedSeq: 7, seq: 1 }),
      fail(403, 'forbidden', { reason: 'client_owned' }),
    ];
    const c = scriptedClient((call) =>
      call.path === '/push' && answers.length ? answers.shift()! : defaultAnswer(call),
    );
    await c.db.notes.insert({ title: 'a' });
    await c.db.notes.insert({ title: 'b' });
    await c.sync();
    const ids = c.pushes().map((b) => b.clientId);
    expect(new Set(ids).size).toBe(3);
    expect(c.pushes().map(seqs)).toEqual([
      [1, 2],
      [1, 2],
      [1, 2],
    ]);
    expect(c.status.pending).toBe(0);
  });

  test('409 seq_gap means the server lost history: every collection is downloaded again and what it lacks is swept', async () => {
    // A tiny server: pushes are applied and kept; a pull from the start delivers what it holds.
    const held = new Map<string, unknown>();
    let gap = false;
    const c = scriptedClient((call) => {
      if (call.path === '/push' && gap) {
        gap = false;
        return fail(409, 'seq_gap', { expectedSeq: 2, seq: 1 });
      }
      const answer = defaultAnswer(call);
      if (call.path === '/push')
        for (const r of (answer.body as { results: Array<{ record: { id: string } }> }).results)
          held.set(r.record.id, r.record);
      if (call.path === '/pull' && call.body?.collections?.notes?.cursor === null)
        return ok({
          collections: { notes: { changes: [...held.values()], cursor: 'c9', hasMore: false, reset: false } },
          remaining: 0,
        });
      return answer;
    });
    const resets: string[] = [];
    c.on('reset', (r) => resets.push(r.collection));
    const lost = await c.db.notes.insert({ title: 'acknowledged, then lost by a restore' });
    await c.sync();
    expect(await c.db.notes.get(lost.id)).not.toBeNull();
    // The server is restored from a backup that predates that insert.
    held.clear();
    gap = true;
    const kept = await c.db.notes.insert({ title: 'pending' });
    await c.sync();
    // The re-download starts from the beginning (cursor null) and sweeps the record the server
    // no longer has; the pending insert is pushed under the new clientId and kept.
    const pulls = c.calls.filter((x) => x.path === '/pull');
    expect(pulls.at(-1)?.body?.collections?.notes?.cursor).toBeNull();
    expect(resets).toEqual(['notes']);
    expect((await c.db.notes.find({})).map((r) => r.id)).toEqual([kept.id]);
    expect(c.status.pending).toBe(0);
  });

  test('401 refreshes the token once and retries; a second 401 is surfaced', async () => {
    const c = scriptedClient(
      (call) =>
        call.token === 'old'
          ? fail(401, 'unauthenticated')
          : call.token === 'bad'
            ? fail(401, 'unauthenticated')
            : defaultAnswer(call),
      { tokens: ['old', 'new', 'bad', 'bad'] },
    );
    await c.db.notes.insert({ title: 'a' });
    await c.sync();
    expect(c.calls.map((x) => `${x.path}:${x.token}`).slice(0, 3)).toEqual([
      '/info:old',
      '/info:new',
      '/push:new',
    ]);
    const c2 = scriptedClient((call) => (call.path === '/info' ? info() : fail(401, 'unauthenticated')), {
      tokens: ['bad', 'bad'],
    });
    await c2.db.notes.insert({ title: 'a' });
    await expect(c2.sync()).rejects.toMatchObject({ code: 'unauthenticated' });
    expect(c2.calls.filter((x) => x.path === '/push')).toHaveLength(2);
    expect(c2.status.pending).toBe(1);
  });

  test('409 schema_ahead keeps the outbox, reports a retryable error in status', async () => {
    let ahead = true;
    const c = scriptedClient((call) =>
      call.path === '/push' && ahead ? fail(409, 'schema_ahead') : defaultAnswer(call),
    );
    const errors: string[] = [];
    c.on('error', (e) => errors.push(e.code));
    await c.db.notes.insert({ title: 'a' });
    await expect(c.sync()).rejects.toMatchObject({ code: 'schema_ahead', retryable: true });
    expect(c.status.error?.code).toBe('schema_ahead');
    expect(errors).toEqual(['schema_ahead']);
    expect(c.status.pending).toBe(1);
    ahead = false;
    await c.sync();
    expect(c.status).toMatchObject({ pending: 0, error: null });
  });

  test('a rejection rolls back, drops the record’s later ops, is stored and emitted once', async () => {
    let version = 0;
    const c = scriptedClient((call) => {
      if (call.path !== '/push') return call.path === '/info' ? info() : emptyPull();
      const m = call.body!.mutations![0]!;
      if (m.op === 'insert') return applyAll([m]);
      version = m.op === 'update' ? m.baseVersion : 0;
      return {
        status: 200,
        headers: {},
        body: {
          results: [
            {
              seq: m.seq,
              status: 'rejected',
              code: 'conflict',
              message: 'stale',
              current: { id: m.id, version: version + 50, deletedAt: null, title: 'theirs' },
            },
          ],
        },
      };
    });
    const events: string[] = [];
    c.on('rejected', (r) => events.push(r.key));
    const a = await c.db.notes.insert({ title: 'a' });
    await c.sync();
    await c.db.notes.update(a.id, { title: 'mine' });
    await c.sync();
    expect(await c.db.notes.get(a.id)).toMatchObject({ title: 'theirs' });
    expect(events).toHaveLength(1);
    const [r] = await c.rejections();
    expect(r).toMatchObject({
      code: 'conflict',
      id: a.id,
      dropped: [{ op: 'update', patch: { title: 'mine' } }],
    });
    expect(r!.message).toMatch(/someone else changed it first/);
    await c.sync();
    expect(events).toHaveLength(1);
    await c.dismiss(r!.key);
    expect(await c.rejections()).toEqual([]);
  });
});
