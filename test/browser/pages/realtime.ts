/**
 * The realtime test page: like app.ts (one client per tab on a shared IndexedDB database,
 * leadership over Web Locks) but with the realtime socket on (`?ws=` is its URL) and no service
 * worker. Playwright reads `window.rt.state`.
 */
import { createClient, type SyncStatus } from '@syncline/client';
import { createIndexedDbStore } from '@syncline/store-indexeddb';
import { browserNetwork, channelName, connectTabs, sharedStore, syncLockName } from '@syncline/web';
import { e2eSchema } from '../../helpers/schema.ts';

const params = new URL(location.href).searchParams;
const db = params.get('db') ?? 'realtime';
const token = params.get('token') ?? '';
const ws = params.get('ws');

export interface RealtimeState {
  ready: boolean;
  leader: boolean;
  status: SyncStatus | null;
  titles: string[];
  errors: string[];
}

const state: RealtimeState = { ready: false, leader: false, status: null, titles: [], errors: [] };
const store = sharedStore(createIndexedDbStore({ name: db }), new BroadcastChannel(channelName(db)));
const client = createClient({
  schema: e2eSchema,
  store,
  network: browserNetwork(window),
  url: '/sync', // relative: the socket URL would resolve against the page; here `?ws=` overrides it
  auth: { getToken: () => token },
  pollIntervalMs: 3_600_000, // nothing arrives by poll within a test
  ...(ws ? { realtime: { url: ws } } : {}),
});
client.subscribe((s) => {
  state.status = s;
});
client.on('error', (e) => state.errors.push(`${e.code}: ${e.message}`));

async function main() {
  await client.ready();
  state.status = client.status;
  client.db.notes.watch({ orderBy: [['title', 'asc']] }, (rows) => {
    state.titles = rows.map((r) => r.title);
  });
  connectTabs({
    client,
    store,
    lock: syncLockName(db),
    onLeaderChange(leader) {
      state.leader = leader;
    },
  });
  state.ready = true;
}

declare global {
  interface Window {
    rt: { state: RealtimeState };
  }
}
window.rt = { state };
main().catch((e: unknown) => state.errors.push(`startup: ${String(e)}`));
