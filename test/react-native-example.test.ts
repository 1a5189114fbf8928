/**
 * Issue 16: the wiring of examples/react-native (src/syncline.ts) on op-sqlite's Node build, a
 * fake NetInfo, a fake AsyncStorage and a fake react-native-background-fetch, against a real
 * server on the demo schema and rules: the app's first list and task reach another device, and
 * a background-fetch event syncs and records what it did.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type {
  BackgroundFetchLike,
  KeyValueStorage,
  NetInfoLike,
  NetInfoStateLike,
} from '@syncline/react-native';
import type { OpSqliteDatabase } from '@syncline/store-sqlite/op-sqlite';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { rules, schema } from '../apps/demo/schema.ts';
import {
  defaultListId,
  openSyncline,
  type Syncline,
  startSyncline,
} from '../examples/react-native/src/syncline.ts';
import { startServer, tempDir } from './helpers/server.ts';
import { ROOT } from './helpers/source.ts';

const ENTRY = join(ROOT, 'test/native/node_modules/@op-engineering/op-sqlite/node/dist/index.js');
const installed = existsSync(ENTRY);
type Open = (o: { name: string; location?: string }) => OpSqliteDatabase;
const opSqlite = installed ? ((await import(/* @vite-ignore */ ENTRY)) as { open: Open }) : null;

const dir = tempDir('syncline-rn-example-');
let srv: Awaited<ReturnType<typeof startServer>>;
beforeAll(async () => {
  srv = await startServer({ dbPath: join(dir.path, 'server.db'), schema, rules });
});
afterAll(async () => {
  await srv?.close();
  dir.cleanup();
});

/** A fake of NetInfo: connected, reachability not known yet (the state right after launch). */
const fakeNetInfo: NetInfoLike = {
  addEventListener(listener) {
    const state: NetInfoStateLike = { type: 'wifi', isConnected: true, isInternetReachable: null };
    queueMicrotask(() => listener(state));
    return () => {};
  },
};

function fakeAsyncStorage(): KeyValueStorage {
  const items = new Map<string, string>();
  return { getItem: async (k) => items.get(k) ?? null, setItem: async (k, v) => void items.set(k, v) };
}

function fakeBackgroundFetch() {
  let onEvent: (taskId: string) => void | Promise<void> = () => {};
  const finished: string[] = [];
  const fake: BackgroundFetchLike = {
    async configure(_config, event) {
      onEvent = event;
      return 2;
    },
    finish: (taskId) => void finished.push(taskId),
  };
  return { fake, finished, fire: (taskId: string) => Promise.resolve(onEvent(taskId)) };
}

test.skipIf(!installed)(
  "the example's wiring on op-sqlite's Node build: tasks sync, background fetch records its run",
  async () => {
    const token = await srv.token('alice');
    const open = (name: string): Syncline =>
      openSyncline(
        {
          db: opSqlite!.open({ name, location: dir.path }),
          NetInfo: fakeNetInfo,
          storage: fakeAsyncStorage(),
        },
        { url: srv.url, getToken: async () => token },
      );
    const phone = open('phone.db');
    const os = fakeBackgroundFetch();
    await startSyncline(phone, os.fake);
    const listId = await defaultListId(phone.client, 'alice');
    const task = await phone.client.db.tasks.insert({ listId, title: 'Milk' });
    await os.fire('fetch-1');
    expect(os.finished).toEqual(['fetch-1']);
    expect(phone.background.last).toMatchObject({ outcome: 'synced', pending: 0 });

    const tablet = open('tablet.db');
    await tablet.client.sync();
    expect(await tablet.client.db.tasks.get(task.id)).toMatchObject({ title: 'Milk', listId, done: false });
    expect(await defaultListId(tablet.client, 'alice')).toBe(listId);
    await phone.client.close();
    await tablet.client.close();
  },
);
