// examples/browser/service-worker.ts: push the outbox on the Background Sync event, even with
// every tab closed. It takes the same lock as the leader tab, so the outbox still has one pusher.
import { createClient } from '@syncline/client';
import { createIndexedDbStore } from '@syncline/store-indexeddb';
import {
  channelName,
  handleBackgroundSync,
  type SyncScope,
  sharedStore,
  syncLockName,
} from '@syncline/web/service-worker';
import { tokenSource } from '../auth/token-source.ts';
import { schema } from '../tour/schema.ts';

const auth = tokenSource(async () => (await fetch('/api/sync-token', { credentials: 'include' })).json());
handleBackgroundSync(self as unknown as SyncScope, {
  lock: syncLockName('todo'),
  push: async () => {
    const store = sharedStore(
      createIndexedDbStore({ name: 'todo' }),
      new BroadcastChannel(channelName('todo')),
    );
    const client = createClient({ schema, store, url: '/sync', auth });
    try {
      await client.sync();
    } finally {
      await client.close();
    }
  },
});
