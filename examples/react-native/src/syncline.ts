// examples/react-native/src/syncline.ts: the app's Syncline wiring. The native modules
// (op-sqlite's database, NetInfo, react-native-background-fetch, AsyncStorage) are passed in by
// src/native.ts, so this file type-checks and runs without React Native.
import { createClient, fetchTransport, type SynclineClient } from '@syncline/client';
import {
  type BackgroundFetchLike,
  type BackgroundSync,
  configureBackgroundFetch,
  createBackgroundSync,
  type KeyValueStorage,
  type NetInfoLike,
  type NetInfoNetwork,
  netInfoNetwork,
} from '@syncline/react-native';
import { createSqliteLocalStore } from '@syncline/store-sqlite';
import { type OpSqliteDatabase, opSqliteDriver } from '@syncline/store-sqlite/op-sqlite';
import { schema } from './schema';

export type Client = SynclineClient<typeof schema>;

/** What the device provides. */
export interface Native {
  /** `open({ name: 'tasks.db' })` of `@op-engineering/op-sqlite`. */
  db: OpSqliteDatabase;
  NetInfo: NetInfoLike;
  /** Keeps "last synced in background at …" across launches. */
  storage: KeyValueStorage;
}

export interface Syncline {
  client: Client;
  network: NetInfoNetwork;
  background: BackgroundSync;
}

/**
 * Opens the local database and the client. `url` is the sync server
 * (`http://127.0.0.1:8787/sync` for `npm start` on the simulator's host); `getToken` signs in.
 */
export function openSyncline(
  native: Native,
  options: { url: string; getToken(opts: { forceRefresh: boolean }): Promise<string | null> },
): Syncline {
  const network = netInfoNetwork(native.NetInfo);
  const client = createClient({
    schema,
    store: createSqliteLocalStore(opSqliteDriver(native.db)),
    network,
    url: options.url, // React Native has a global WebSocket: the realtime socket is on
    transport: network.observe(fetchTransport(options.url)),
    auth: { getToken: options.getToken },
  });
  // 25 s: iOS gives a background fetch about 30 s, and the task must report before then.
  const background = createBackgroundSync({ client, storage: native.storage, budgetMs: 25_000 });
  return { client, network, background };
}

/**
 * The foreground: sync now and on every change; background fetch every ~15 minutes. Rejections a
 * background run met are in `client.rejections()`, which `useRejections()` shows.
 */
export async function startSyncline(syncline: Syncline, BackgroundFetch: BackgroundFetchLike): Promise<void> {
  await syncline.background.load();
  await syncline.client.start();
  await configureBackgroundFetch(BackgroundFetch, syncline.background, {
    config: { minimumFetchInterval: 15, stopOnTerminate: false, enableHeadless: true, startOnBoot: true },
  });
}

/** The list the tasks go into: the user's first, created on first launch. */
export async function defaultListId(client: Client, me: string): Promise<string> {
  const [first] = await client.db.lists.find({ where: { ownerId: me }, limit: 1 });
  if (first) return first.id;
  return (await client.db.lists.insert({ name: 'Tasks', ownerId: me })).id;
}
