/**
 * Issue 15, done-when 1: the Electron bridge with real message passing. The "main process" is a
 * worker thread running one client on better-sqlite3 that syncs with a real server; two
 * "renderers" are other worker threads on `createRendererClient`, each talking to main over its
 * own `worker_threads` MessageChannel through the bridge's port adapter (`nodePort`).
 * Not run here: Electron's thin bindings — `ipcRenderer` in the preload, `ipcMain` +
 * `MessageChannelMain`/`MessagePortMain` in `exposeSyncClient` — which need the Electron binary;
 * the preload's bridge surface is checked in packages/electron/src/preload/preload.test.ts.
 */
import { MessageChannel } from 'node:worker_threads';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { makeClient } from './helpers/client.ts';
import { e2eRules, e2eSchema } from './helpers/schema.ts';
import { startServer, tempDir } from './helpers/server.ts';
import { startThread, type Thread } from './helpers/threads.ts';

const MAIN = new URL('./fixtures/electron-main.ts', import.meta.url).pathname;
const RENDERER = new URL('./fixtures/electron-renderer.ts', import.meta.url).pathname;

type Counts = {
  host: { connections: number; watches: number; listeners: number };
  engine: { watches: number; listeners: number };
};

const dir = tempDir('syncline-electron-');
let server: Awaited<ReturnType<typeof startServer>>;
let token: string;
let main: Thread;
let a: Thread;
let b: Thread;

/** A fresh MessageChannel: one end to main (served by the host), the other to the renderer. */
async function connect(renderer: Thread): Promise<void> {
  const { port1, port2 } = new MessageChannel();
  await main.call('connect', [port1], [port1]);
  await renderer.call('connect', [port2], [port2]);
}

function serverNotes(where: string): Array<{ id: string; title: string }> {
  const db = new Database(`${dir.path}/server.db`, { readonly: true });
  try {
    return db.prepare(`SELECT id, title FROM notes WHERE ${where}`).all() as Array<{
      id: string;
      title: string;
    }>;
  } finally {
    db.close();
  }
}

beforeAll(async () => {
  server = await startServer({ dbPath: `${dir.path}/server.db`, schema: e2eSchema, rules: e2eRules });
  token = await server.token('alice');
  main = startThread(MAIN, { url: server.url, token, dbPath: `${dir.path}/main.db` });
  await main.call('start');
  a = startThread(RENDERER);
  b = startThread(RENDERER);
  await connect(a);
  await connect(b);
});

afterAll(async () => {
  await main?.call('close').catch(() => undefined);
  await Promise.all([main, a, b].map((t) => t?.terminate()));
  await server?.close();
  dir.cleanup();
});

describe('Electron bridge: main in a worker on better-sqlite3, renderers in workers over MessageChannel ports (nodePort; Electron ipcRenderer/MessagePortMain bindings not run here)', () => {
  test("a renderer's write is synced to the server by the main process", async () => {
    const note = await a.call<{ id: string; version: number }>('insert', [
      { ownerId: 'alice', title: 'from A' },
    ]);
    expect(note.version).toBe(0); // a pending insert, committed in main's local store
    await a.call('sync');
    expect(serverNotes(`id = '${note.id}'`)).toEqual([{ id: note.id, title: 'from A' }]);
    expect(await a.call<{ pending: number; connected: boolean }>('status')).toMatchObject({
      pending: 0,
      connected: true,
    });
  });

  test("the other renderer's live query updates on a renderer's write and on a change pulled from the server", async () => {
    await b.call('watch', ['alice', 'alice']);
    await b.call('waitTitles', ['alice', ['from A']]);
    await a.call('insert', [{ ownerId: 'alice', title: 'second from A' }]);
    await b.call('waitTitles', ['alice', ['from A', 'second from A']]);

    // Someone else's write reaches the server; main pulls it; B's live query shows it.
    const elsewhere = makeClient({ dir: dir.path, name: 'elsewhere', url: server.url, token });
    try {
      await elsewhere.ready();
      await elsewhere.db.notes.insert({ ownerId: 'alice', title: 'from another device' });
      await elsewhere.sync();
    } finally {
      await elsewhere.close();
    }
    await b.call('sync');
    await b.call('waitTitles', ['alice', ['from A', 'second from A', 'from another device']]);
  });

  test('errors cross the bridge as SynclineError with code, message and details intact', async () => {
    const crossed = await a.call<Record<string, unknown>>('errors');
    // The same calls on an in-process client: what the bridge must reproduce exactly.
    const local = makeClient({ dir: dir.path, name: 'local-errors', url: server.url, token });
    const direct = async (p: () => Promise<unknown>) => {
      try {
        await p();
        return null;
      } catch (e) {
        const err = e as { name: string; code: string; message: string; details: unknown };
        return { name: err.name, code: err.code, message: err.message, details: err.details };
      }
    };
    try {
      await local.ready();
      expect(crossed.notFound).toEqual({
        isSynclineError: true,
        ...(await direct(() => local.db.notes.update('no-such-note', { title: 'x' }))),
      });
      expect(crossed.invalid).toEqual({
        isSynclineError: true,
        ...(await direct(() => local.db.notes.insert({ ownerId: 'alice', title: 42 } as never))),
      });
      expect(crossed.invalid).toMatchObject({ code: 'invalid', details: [{ path: 'title' }] });
      expect(crossed.unknownCollection).toMatchObject({ isSynclineError: true, code: 'invalid' });
    } finally {
      await local.close();
    }
  });

  test("a renderer's offline/online events reach main's network monitor, and every renderer's status", async () => {
    await a.call('fire', ['offline']);
    expect(await b.call('waitOnline', [false])).toMatchObject({ online: false });
    await a.call('fire', ['online']);
    expect(await b.call('waitOnline', [true])).toMatchObject({ online: true });
  });

  test('a renderer reload (port closed, new port) or crash leaves no subscription behind (counted)', async () => {
    // A: 4 listeners, no watch. B: 4 listeners and one live query.
    const before = await main.call<Counts>('counts');
    expect(before).toEqual({
      host: { connections: 2, watches: 1, listeners: 8 },
      engine: { watches: 1, listeners: 8 },
    });

    // Reload: the window's page goes away (its port closes, no goodbye), a new page connects on
    // a new port.
    await b.call('dropPort');
    const gone = await main.call<Counts>('waitFor', [{ connections: 1, watches: 0, listeners: 4 }]);
    expect(gone).toEqual({
      host: { connections: 1, watches: 0, listeners: 4 },
      engine: { watches: 0, listeners: 4 },
    });
    await connect(b);
    await b.call('watch', ['alice', 'alice']);
    await b.call('waitTitles', ['alice', ['from A']]);
    expect(await main.call<Counts>('counts')).toEqual(before);

    // A goodbye (the renderer client's close(), sent on pagehide) ends it the same way.
    await b.call('close');
    await main.call<Counts>('waitFor', [{ connections: 1, watches: 0, listeners: 4 }]);
    expect((await main.call<Counts>('counts')).engine).toEqual({ watches: 0, listeners: 4 });
    await connect(b);
    await b.call('watch', ['alice', 'alice']);
    await b.call('waitTitles', ['alice', ['from A']]);

    // Crash: the renderer's thread ends without a word; its port closes with it.
    await b.terminate();
    const crashed = await main.call<Counts>('waitFor', [{ connections: 1, watches: 0, listeners: 4 }]);
    expect(crashed.engine).toEqual({ watches: 0, listeners: 4 });
    b = startThread(RENDERER);
    await connect(b);
    await b.call('watch', ['alice', 'alice']);
    await b.call('waitTitles', ['alice', ['from A']]);
    expect(await main.call<Counts>('counts')).toEqual(before);
    // A host that leaks never reaches the counts waited for: fail in 20 s, not the default 60.
  }, 20_000);

  test('1,000 writes from two renderers at once arrive on the server exactly once', async () => {
    const [fromA, fromB] = await Promise.all([
      a.call('writeMany', ['bulk-a', 'alice', 500]),
      b.call('writeMany', ['bulk-b', 'alice', 500]),
    ]);
    expect([fromA, fromB]).toEqual([500, 500]);
    expect(await a.call('syncAll')).toBe(0);
    const rows = serverNotes(`title LIKE 'bulk-%'`);
    expect(rows).toHaveLength(1000);
    expect(new Set(rows.map((r) => r.title)).size).toBe(1000);
    expect(new Set(rows.map((r) => r.id)).size).toBe(1000);
    // One clientId pushed for both windows (main's), and its seqs are exactly its 1,002 inserts
    // (2 earlier + 1,000): every mutation processed once. The other client is "elsewhere".
    const db = new Database(`${dir.path}/server.db`, { readonly: true });
    const clients = db.prepare('SELECT last_seq AS lastSeq FROM _syncline_clients ORDER BY last_seq').all();
    db.close();
    expect(clients).toEqual([{ lastSeq: 1 }, { lastSeq: 1002 }]);
    // Both windows see all of them, through main's one store.
    const total = 1000 + 3;
    await Promise.all([b.call('waitCount', ['alice', total])]);
  });

  test('a rejection reaches every window as `rejected`; rejections, reapply and dismiss run in main', async () => {
    const note = await a.call<{ id: string }>('insert', [{ ownerId: 'alice', title: 'to conflict' }]);
    await a.call('sync');
    // Another device changes the note first; main has not pulled that when A edits it.
    const other = makeClient({ dir: dir.path, name: 'other', url: server.url, token });
    try {
      await other.ready();
      await other.sync();
      await other.db.notes.update(note.id, { title: 'changed elsewhere' });
      await other.sync();
    } finally {
      await other.close();
    }
    await a.call('update', [note.id, { title: 'changed in A' }]);
    await a.call('syncAll');
    const [rejection] = await b.call<Array<{ key: string }>>('waitRejected', [1]);
    expect(rejection).toMatchObject({
      collection: 'notes',
      id: note.id,
      code: 'conflict',
      current: { title: 'changed elsewhere' },
    });
    expect(await a.call('rejections')).toEqual([rejection]);
    expect(await a.call('reapply', [rejection!.key])).toMatchObject({ id: note.id, title: 'changed in A' });
    expect(await a.call('syncAll')).toBe(0);
    expect(serverNotes(`id = '${note.id}'`)).toEqual([{ id: note.id, title: 'changed in A' }]);
    expect(await a.call('rejections')).toEqual([]);
    expect(await a.call('failure', ['reapply', rejection!.key])).toEqual({
      isSynclineError: true,
      code: 'not_found',
      message: 'This rejected change was already dismissed or re-applied.',
    });
    await expect(a.call('dismiss', [rejection!.key])).resolves.toBeUndefined();
  });
});
