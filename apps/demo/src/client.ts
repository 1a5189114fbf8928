/**
 * The demo's Syncline client: IndexedDB (one database per user), one syncing tab among many,
 * the browser's network monitor, the realtime socket, and Background Sync when a push is stuck.
 */
import { createClient, fetchTransport } from '@syncline/client';
import { createIndexedDbStore } from '@syncline/store-indexeddb';
import {
  backgroundSyncOnFailure,
  browserNetwork,
  channelName,
  connectTabs,
  sharedStore,
  syncLockName,
} from '@syncline/web';
import { schema } from '../schema.ts';
import { databaseName, LOCK_DATABASE } from './database-name.ts';
import { type Session, sessionTokens } from './session.ts';

/** Creates the client of `session`'s user and starts syncing (in the leader tab). */
export async function startClient(session: Session) {
  const name = databaseName(session.userId);
  const store = sharedStore(createIndexedDbStore({ name }), new BroadcastChannel(channelName(name)));
  const network = browserNetwork();
  const client = createClient({
    schema,
    store,
    network,
    url: '/sync',
    auth: sessionTokens(session),
    transport: network.observe(fetchTransport('/sync')),
    realtime: {},
  });
  await client.ready();
  // For the curious (and the end-to-end tests): the engine in the devtools console.
  (globalThis as { syncline?: unknown }).syncline = client;
  const tabs = connectTabs({ client, store, lock: syncLockName(LOCK_DATABASE) });
  const stopBackgroundSync = backgroundSyncOnFailure(client, { onError: () => undefined });
  return {
    client,
    async close() {
      stopBackgroundSync();
      await tabs.close();
      await client.close();
    },
  };
}

/** The demo's client type. */
export type DemoClient = Awaited<ReturnType<typeof startClient>>['client'];
