/**
 * Issue 19, the batch write API end to end: 10,000 rows written with one `insertMany` on one
 * client reach a second client through a real server (loopback HTTP, SQLite on both sides) in
 * as few pushes as the server's limits allow; and a client process SIGKILLed inside
 * `insertMany` (before its commit) or just after it keeps all the rows or none of them.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { createClient, fetchTransport, type Transport } from '@syncline/client';
import { manualNetwork } from '@syncline/client/testing';
import { DEFAULT_LIMITS } from '@syncline/core';
import { createSqliteLocalStore } from '@syncline/store-sqlite';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { makeClient } from './helpers/client.ts';
import { e2eRules, e2eSchema } from './helpers/schema.ts';
import { startServer, tempDir } from './helpers/server.ts';
import { spawnClient } from './helpers/worker.ts';

const dir = tempDir();
let srv: Awaited<ReturnType<typeof startServer>>;

beforeAll(async () => {
  srv = await startServer({ dbPath: join(dir.path, 'server.db'), schema: e2eSchema, rules: e2eRules });
});
afterAll(async () => {
  await srv?.close();
  dir.cleanup();
});

type Note = { id: string; ownerId: string; title: string; body: string; n: number; version: number };
const pick = ({ id, ownerId, title, body, n }: Note) => ({ id, ownerId, title, body, n });

test('10,000 rows of one insertMany arrive on a second client, in few pushes', {
  timeout: 120_000,
}, async () => {
  const token = await srv.token('bulk');
  const pushes: number[] = [];
  const inner = fetchTransport(srv.url);
  const counting: Transport = {
    request(path, init) {
      if (path === '/push') pushes.push((init.body as { mutations: unknown[] }).mutations.length);
      return inner.request(path, init);
    },
  };
  const a = createClient({
    schema: e2eSchema,
    transport: counting,
    store: createSqliteLocalStore({ path: join(dir.path, 'bulk-a.db') }),
    auth: { getToken: () => token },
    network: manualNetwork(true),
    realtime: false,
    pushDebounceMs: 0,
  });
  const b = makeClient({ dir: dir.path, name: 'bulk-b', url: srv.url, token });
  const rows = Array.from({ length: 10_000 }, (_, n) => ({ ownerId: 'bulk', title: `row ${n}`, n }));
  const written = await a.db.notes.insertMany(rows);
  expect(a.status.pending).toBe(10_000);
  await a.sync();
  expect(a.status.pending).toBe(0);
  expect(pushes.reduce((x, y) => x + y, 0)).toBe(10_000);
  expect(pushes.length).toBe(Math.ceil(10_000 / DEFAULT_LIMITS.maxMutationsPerPush));
  await b.sync();
  const got = (await b.db.notes.find({ orderBy: [['n', 'asc']] })) as Note[];
  expect(got.map(pick)).toEqual(written.map((r) => pick(r as Note)));
  expect(got.every((r) => r.version > 0)).toBe(true);
  await a.close();
  await b.close();
});

test('400 writes, half refused, drain through pushes the server answers in part (its savepoint budget)', {
  timeout: 60_000,
}, async () => {
  const token = await srv.token('halves');
  const answers: Array<[sent: number, answered: number]> = [];
  const inner = fetchTransport(srv.url);
  const counting: Transport = {
    async request(path, init) {
      const res = await inner.request(path, init);
      if (path === '/push') {
        const sent = (init.body as { mutations: unknown[] }).mutations.length;
        if (res.status === 200) answers.push([sent, (res.body as { results: unknown[] }).results.length]);
      }
      return res;
    },
  };
  const a = createClient({
    schema: e2eSchema,
    transport: counting,
    store: createSqliteLocalStore({ path: join(dir.path, 'halves.db') }),
    auth: { getToken: () => token },
    network: manualNetwork(true),
    realtime: false,
    pushDebounceMs: 0,
  });
  // Every other row names another owner: the rules refuse it (forbidden), and each refusal costs
  // the server a savepoint; 200 of them in one push is more than its budget.
  const rows = Array.from({ length: 400 }, (_, n) => ({
    ownerId: n % 2 === 0 ? 'halves' : 'someone-else',
    title: `row ${n}`,
    n,
  }));
  await a.db.notes.insertMany(rows);
  await a.sync();
  expect(a.status.pending).toBe(0);
  // At least one push was answered in part, and the client went on with the rest.
  expect(answers.some(([sent, answered]) => answered < sent)).toBe(true);
  const kept = (await a.db.notes.find({ orderBy: [['n', 'asc']] })) as Note[];
  expect(kept.map((r) => r.n)).toEqual(rows.filter((r) => r.ownerId === 'halves').map((r) => r.n));
  expect((await a.rejections()).length).toBe(200);
  await a.close();
});

for (const [failpoint, kept] of [
  ['write:before-commit', false],
  ['write:after-commit', true],
] as const) {
  test(`SIGKILL at ${failpoint} inside insertMany leaves ${kept ? 'all' : 'none'} of its rows`, {
    timeout: 120_000,
  }, async () => {
    const user = `crash-${kept ? 'all' : 'none'}`;
    const token = await srv.token(user);
    const init = { dbPath: join(dir.path, `${user}.db`), url: srv.url, token, online: false };
    const hitFile = join(dir.path, `${user}.hit`);
    const rows = Array.from({ length: 1000 }, (_, n) => ({ ownerId: user, title: `row ${n}`, n }));

    const doomed = await spawnClient({ SYNCLINE_KILL_AT: failpoint, SYNCLINE_HIT_FILE: hitFile });
    await doomed.call('init', init);
    await expect(doomed.call('insertMany', 'notes', rows)).rejects.toThrow(/exited/);
    expect((await doomed.exited).signal).toBe('SIGKILL');
    expect(readFileSync(hitFile, 'utf8')).toBe(`${failpoint}\n`);

    const again = await spawnClient();
    await again.call('init', { ...init, online: true });
    expect(await again.call('count', 'notes')).toBe(kept ? 1000 : 0);
    expect((await again.call<{ pending: number }>('status')).pending).toBe(kept ? 1000 : 0);
    await again.call('sync');
    await again.call('close');

    const other = makeClient({ dir: dir.path, name: `${user}-other`, url: srv.url, token });
    await other.sync();
    const got = (await other.db.notes.find({ orderBy: [['n', 'asc']] })) as Note[];
    expect(got.map((r) => r.n)).toEqual(kept ? rows.map((r) => r.n) : []);
    await other.close();
  });
}
