// examples/browser/app.ts: a web app: IndexedDB, many tabs (one syncs), Background Sync.
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
import { tokenSource } from '../auth/token-source.ts';
import { schema } from '../tour/schema.ts';

const store = sharedStore(createIndexedDbStore({ name: 'todo' }), new BroadcastChannel(channelName('todo')));
const network = browserNetwork(); // navigator.onLine + what real requests learn about reachability
const auth = tokenSource(async () => (await fetch('/api/sync-token', { credentials: 'include' })).json());
export const client = createClient({
  schema,
  store,
  network,
  auth,
  transport: network.observe(fetchTransport('/sync')),
});
connectTabs({ client, store, lock: syncLockName('todo') }); // one tab syncs (Web Locks); every tab writes
backgroundSyncOnFailure(client); // offline push failed → register a Background Sync
