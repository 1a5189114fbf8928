/** The test app's service worker: pushes the outbox on the Background Sync `sync` event. */
import { createClient } from '@syncline/client';
import { createIndexedDbStore } from '@syncline/store-indexeddb';
import {
  channelName,
  handleBackgroundSync,
  type SyncScope,
  sharedStore,
  syncLockName,
} from '@syncline/web/service-worker';
import { e2eSchema } from '../../helpers/schema.ts';

interface WorkerScope extends SyncScope {
  location: Location;
  skipWaiting(): Promise<void>;
  clients: { claim(): Promise<void> };
  addEventListener(type: 'sync', cb: Parameters<SyncScope['addEventListener']>[1]): void;
  addEventListener(
    type: 'install' | 'activate',
    cb: (event: Event & { waitUntil(p: Promise<unknown>): void }) => void,
  ): void;
}
const scope = self as unknown as WorkerScope;
const params = new URL(scope.location.href).searchParams;
const db = params.get('db') ?? 'app';
const token = params.get('token') ?? '';

scope.addEventListener('install', (event) => event.waitUntil(scope.skipWaiting()));
scope.addEventListener('activate', (event) => event.waitUntil(scope.clients.claim()));

handleBackgroundSync(scope, {
  lock: syncLockName(db),
  async push() {
    const store = sharedStore(
      createIndexedDbStore({ name: db, persist: false }),
      new BroadcastChannel(channelName(db)),
    );
    const client = createClient({
      schema: e2eSchema,
      store,
      url: `${scope.location.origin}/sync`,
      auth: { getToken: () => token },
    });
    try {
      await client.sync();
    } finally {
      await client.close();
    }
  },
});
