/**
 * Done-when 1 (issue 2): client A goes offline, makes 300 inserts/updates/deletes, restarts its
 * process, comes back online; client B ends with exactly A's final state. Real SQLite files,
 * real server over loopback HTTP, real client processes.
 */
import { join } from 'node:path';
import { seededRandom } from '@syncline/core/internal';
import { afterAll, beforeAll, expect, test } from 'vitest';
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

type Note = { id: string; ownerId: string; title: string; body: string; n: number };
const strip = (rows: Note[]) =>
  rows.map(({ id, ownerId, title, body, n }) => ({ id, ownerId, title, body, n }));

test('300 offline writes survive a process restart and reach a second client exactly', async () => {
  const seed = Number(process.env.SYNCLINE_SEED ?? 20261125);
  const rnd = seededRandom(seed);
  const token = await srv.token('alice');
  const init = (file: string, online: boolean) => ({
    dbPath: join(dir.path, file),
    url: srv.url,
    token,
    online,
  });

  const a = await spawnClient();
  await a.call('init', init('a.db', false));
  const model = new Map<string, Note>();
  for (let i = 0; i < 300; i++) {
    const ids = [...model.keys()];
    const r = rnd();
    if (ids.length === 0 || r < 0.45) {
      const row = await a.call<Note>('insert', 'notes', { ownerId: 'alice', title: `t${i}`, n: i });
      model.set(row.id, { id: row.id, ownerId: 'alice', title: `t${i}`, body: '', n: i });
    } else if (r < 0.85) {
      const id = ids[Math.floor(rnd() * ids.length)]!;
      await a.call('update', 'notes', id, { body: `b${i}`, n: i });
      model.set(id, { ...model.get(id)!, body: `b${i}`, n: i });
    } else {
      const id = ids[Math.floor(rnd() * ids.length)]!;
      await a.call('delete', 'notes', id);
      model.delete(id);
    }
  }
  const expected = [...model.values()].sort((x, y) => (x.id < y.id ? -1 : 1));
  expect(strip(await a.call<Note[]>('all', 'notes'))).toEqual(expected);
  expect((await a.call<{ pending: number }>('status')).pending).toBeGreaterThan(0);

  // Restart: the process dies without warning; every write above had returned, so it is committed.
  a.kill();
  await a.exited;

  const a2 = await spawnClient();
  await a2.call('init', init('a.db', true));
  await a2.call('sync');
  expect((await a2.call<{ pending: number }>('status')).pending).toBe(0);
  expect(strip(await a2.call<Note[]>('all', 'notes'))).toEqual(expected);

  const b = await spawnClient();
  await b.call('init', init('b.db', true));
  await b.call('sync');
  expect(strip(await b.call<Note[]>('all', 'notes'))).toEqual(expected);
  expect(await b.call('rejections')).toEqual([]);
  expect(await a2.call('rejections')).toEqual([]);
  await Promise.all([a2.call('close'), b.call('close')]);
});
