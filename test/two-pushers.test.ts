/**
 * Two pushers on one local database — a tab that just lost leadership while its push was in
 * flight, and the new leader (or a service worker) — must not let the stale answer undo what the
 * other already applied: the later local edit survives and the rejection is stored once.
 * Real SQLite file shared by two engines; scripted transport (the server's answers are canned so
 * the interleaving is exact).
 */
import { join } from 'node:path';
import { createClient, type Transport } from '@syncline/client';
import { manualNetwork } from '@syncline/client/testing';
import { defineSchema, type Mutation, PROTOCOL_VERSION, t } from '@syncline/core';
import { createSqliteLocalStore } from '@syncline/store-sqlite';
import { afterAll, expect, test } from 'vitest';
import { tempDir } from './helpers/server.ts';

const schema = defineSchema({ notes: { columns: { title: t.text() } } });
const dir = tempDir();
afterAll(() => dir.cleanup());

const info = {
  status: 200,
  headers: {},
  body: {
    protocol: { min: 1, max: PROTOCOL_VERSION },
    limits: {
      maxBodyBytes: 1 << 20,
      maxMutationBytes: 1 << 18,
      maxMutationsPerPush: 500,
      maxRowsPerPage: 1000,
    },
    schemaHash: schema.hash,
  },
};
const current = {
  id: 'n1',
  version: 9,
  updatedAt: '2026-11-25T13:00:00.000Z',
  deletedAt: null,
  title: 'theirs',
};
/** The scripted server: the first mutation conflicts (someone else changed n1); later ones apply. */
const answer = (mutations: Mutation[]) => ({
  status: 200,
  headers: {},
  body: {
    results: mutations.map((m) =>
      m.seq === 1
        ? { seq: m.seq, status: 'rejected', code: 'conflict', message: 'stale', current }
        : {
            seq: m.seq,
            status: 'applied',
            record: { ...current, version: 10 + m.seq, ...(m.op === 'update' ? m.patch : {}) },
          },
    ),
  },
});

test('a stale push answer applied after another pusher handled it changes nothing', async () => {
  const path = join(dir.path, 'shared.db');
  let releaseA!: () => void;
  const aGate = new Promise<void>((resolve) => {
    releaseA = resolve;
  });
  let aSent!: () => void;
  const aInFlight = new Promise<void>((resolve) => {
    aSent = resolve;
  });
  const transport = (gated: boolean): Transport => ({
    async request(p, init) {
      if (p === '/info') return info;
      if (p === '/pull') {
        return { status: 200, headers: {}, body: { collections: {}, remaining: 0 } };
      }
      const body = init.body as { mutations: Mutation[] };
      if (gated) {
        aSent();
        await aGate;
      }
      return answer(body.mutations);
    },
  });
  const make = (gated: boolean) =>
    createClient({
      schema,
      store: createSqliteLocalStore({ path }),
      transport: transport(gated),
      network: manualNetwork(true),
      ids: () => 'n1',
    });
  const a = make(true);
  await a.ready();
  const rejectedA: unknown[] = [];
  a.on('rejected', (r) => rejectedA.push(r));
  // A record the server has at version 1, edited locally.
  await a.db.notes.insert({ title: 'mine' });
  const aSync = a.sync().catch(() => undefined);
  await aInFlight;

  const b = make(false);
  await b.ready();
  const rejectedB: unknown[] = [];
  b.on('rejected', (r) => rejectedB.push(r));
  await b.sync(); // re-sends the same seq, gets the rejection, rolls back to the server's record
  expect(await b.db.notes.get('n1')).toMatchObject({ title: 'theirs', version: 9 });
  // The user edits again on top of the server's version: a new pending entry.
  await b.db.notes.update('n1', { title: 'mine again' });

  releaseA(); // the stale answer arrives at the old pusher
  await aSync;
  // The later edit survived the stale answer (and may since have been pushed by either pusher).
  expect(await b.db.notes.get('n1')).toMatchObject({ title: 'mine again' });
  expect(await b.rejections()).toHaveLength(1);
  expect(rejectedA.length + rejectedB.length).toBe(1);
  await a.close();
  await b.close();
});
