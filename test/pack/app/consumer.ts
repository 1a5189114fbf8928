// Type-checked with the app's own tsc under `moduleResolution: node16` and `bundler`, against
// the published .d.ts only (skipLibCheck off, so our declarations are checked too).
import {
  type ClientRejection,
  createClient,
  type Row,
  type SynclineClient,
  type SyncStatus,
} from '@syncline/client';
import { manualClock, manualNetwork } from '@syncline/client/testing';
import { defineSchema, type RowOf, SynclineError, t } from '@syncline/core';
import { type BridgePort, nodePort } from '@syncline/electron';
import { electronNetwork, exposeSyncClient, serveClient } from '@syncline/electron/main';
import { createRendererClient, type RendererClient } from '@syncline/electron/renderer';
import {
  OfflineIndicator,
  PendingBadge,
  type QueryResult,
  RejectionNotices,
  SynclineProvider,
  useQuery,
  useRecord,
  useSyncStatus,
} from '@syncline/react';
import {
  type BackgroundFetchLike,
  type BackgroundSyncRecord,
  configureBackgroundFetch,
  createBackgroundSync,
  expoBackgroundTask,
  type NetInfoLike,
  netInfoNetwork,
} from '@syncline/react-native';
import { createJwtAuth, createSyncServer, type Rules } from '@syncline/server';
import { createSqliteStore } from '@syncline/server/sqlite';
import { createIndexedDbStore } from '@syncline/store-indexeddb';
import { createSqliteLocalStore } from '@syncline/store-sqlite';
import { betterSqlite3Driver } from '@syncline/store-sqlite/better-sqlite3';
import { type OpSqliteDatabase, opSqliteDriver } from '@syncline/store-sqlite/op-sqlite';
import { browserNetwork, channelName, connectTabs, sharedStore, syncLockName } from '@syncline/web';
import { createElement, type ReactNode } from 'react';

export const schema = defineSchema({
  tasks: { columns: { title: t.text(), done: t.boolean().default(false), listId: t.text() } },
});
type Task = Row<typeof schema, 'tasks'>;
export type ServerTask = RowOf<typeof schema, 'tasks'>;

const rules: Rules = { tasks: { scope: 'listId', access: (auth) => [auth.userId] } };
export const server = createSyncServer({
  schema,
  rules,
  store: createSqliteStore({ path: './server.db', schema }),
  auth: createJwtAuth({ secret: 'x'.repeat(40) }),
});

export async function run(): Promise<Task | null> {
  const client: SynclineClient<typeof schema> = createClient({
    schema,
    url: 'http://127.0.0.1:8787/sync',
    store: createSqliteLocalStore(betterSqlite3Driver(':memory:')),
    clock: manualClock(0),
    network: manualNetwork(true),
  });
  client.on('rejected', (r: ClientRejection) => console.log(r.message));
  client.subscribe((s: SyncStatus) => console.log(s.pending));
  const task = await client.db.tasks.insert({ title: 'Milk', listId: 'l1' });
  const done: boolean = task.done;
  // @ts-expect-error: `title` is text, the published types say so.
  await client.db.tasks.update(task.id, { title: 42 });
  if (!done) throw new SynclineError('invalid', 'not done');
  return client.db.tasks.get(task.id);
}

export function browser(): void {
  const store = sharedStore(
    createIndexedDbStore({ name: 'todo' }),
    new BroadcastChannel(channelName('todo')),
  );
  const network = browserNetwork();
  const client = createClient({ schema, store, network, url: '/sync' });
  connectTabs({ client, store, lock: syncLockName('todo') });
}

/** React Native: op-sqlite, NetInfo and the OS's background modules are the app's, passed in. */
export async function reactNative(
  db: OpSqliteDatabase,
  NetInfo: NetInfoLike,
  BackgroundFetch: BackgroundFetchLike,
): Promise<BackgroundSyncRecord | null> {
  const network = netInfoNetwork(NetInfo);
  const client = createClient({
    schema,
    store: createSqliteLocalStore(opSqliteDriver(db)),
    network,
    url: '/sync',
  });
  const background = createBackgroundSync({ client, budgetMs: 25_000 });
  await configureBackgroundFetch(BackgroundFetch, background);
  const expo: () => Promise<number> = expoBackgroundTask(background, { Success: 1, Failed: 2 });
  await expo();
  return background.last;
}

/** The React bindings, typed from the client's collections (no JSX: the app's tsconfig has none). */
export function OpenTasks({ client }: { client: SynclineClient<typeof schema> }): ReactNode {
  const open: QueryResult<Task[]> = useQuery(client.db.tasks, { where: { done: false } });
  const first = useRecord(client.db.tasks, open.data?.[0]?.id ?? '');
  const { pending } = useSyncStatus();
  // @ts-expect-error: `colour` is no column of tasks.
  useQuery(client.db.tasks, { where: { colour: 'red' } });
  return createElement(
    'ul',
    { title: `${pending} pending, first ${first.data?.title ?? 'none'}` },
    open.data?.map((task) =>
      createElement('li', { key: task.id }, task.title, createElement(PendingBadge, { id: task.id })),
    ),
  );
}

export function app(client: SynclineClient<typeof schema>): ReactNode {
  return createElement(
    SynclineProvider,
    { client },
    createElement(OfflineIndicator),
    createElement(RejectionNotices, { currentUserId: 'alice' }),
    createElement(OpenTasks, { client }),
  );
}

/** Electron: the main client served to windows, and a window's client under the React bindings. */
export function electronMain(
  client: SynclineClient<typeof schema>,
  port: Parameters<typeof nodePort>[0],
): void {
  const network = electronNetwork({ net: { isOnline: () => true } });
  const host = serveClient(client, { network });
  const bridge: BridgePort = nodePort(port);
  host.connect(bridge);
  type Expose = Parameters<typeof exposeSyncClient>[1];
  const wire = (ipcMain: Expose['ipcMain'], MessageChannelMain: Expose['MessageChannelMain']) =>
    exposeSyncClient(client, { ipcMain, MessageChannelMain, network });
  void wire;
}

export function electronWindow(): ReactNode {
  const client: RendererClient<typeof schema> = createRendererClient({ schema });
  void client.db.tasks.insert({ title: 'Milk', listId: 'l1' });
  // @ts-expect-error: `title` is text on a window's client too.
  void client.db.tasks.update('t1', { title: 42 });
  return createElement(SynclineProvider, { client }, createElement(OpenTasksOf, { tasks: client.db.tasks }));
}

function OpenTasksOf({ tasks }: { tasks: RendererClient<typeof schema>['db']['tasks'] }): ReactNode {
  const open: QueryResult<Task[]> = useQuery(tasks, { where: { done: false } });
  return createElement('p', null, String(open.data?.length ?? 0));
}
