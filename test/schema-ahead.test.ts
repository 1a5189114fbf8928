/**
 * A client whose schema has one collection the server does not serve (the app shipped before
 * the server — decision 0003 — or a collection without rules) keeps receiving changes for every
 * collection the server does serve: unserved ones are left out of the pull answer.
 */
import { defineSchema, t } from '@syncline/core';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { startTestServer, testClient } from './helpers/in-process.ts';

const aheadSchema = defineSchema({
  notes: { columns: { ownerId: t.text(), title: t.text(), body: t.text() }, conflicts: 'reject-stale' },
  cards: { columns: { ownerId: t.text(), title: t.text(), color: t.text() }, conflicts: 'merge-fields' },
  tags: { columns: { ownerId: t.text(), name: t.text() } },
});

let srv: Awaited<ReturnType<typeof startTestServer>>;
beforeAll(async () => {
  srv = await startTestServer();
});
afterAll(async () => srv?.close());

test('a newer app (one extra collection) still receives notes written by another device', async () => {
  const old = testClient(srv.server, 'u1');
  await old.ready();
  const note = await old.db.notes.insert({ ownerId: 'u1', title: 'from old app', body: '' });
  await old.sync();

  const newer = testClient(srv.server, 'u1', { schema: aheadSchema as never });
  await newer.ready();
  let error: unknown = null;
  try {
    await newer.sync();
  } catch (e) {
    error = e;
  }
  expect(error).toBeNull();
  expect((await newer.db.notes.get(note.id))?.title).toBe('from old app');
});
