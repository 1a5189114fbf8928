/**
 * The multi-tab test app: one Syncline client per tab on a shared IndexedDB database, leadership
 * over Web Locks, change notices over BroadcastChannel, Background Sync registration, and a status
 * line in #status. Playwright drives it through `window.app`.
 */
import { createClient, fetchTransport, type SyncStatus } from '@syncline/client';
import { createIndexedDbStore } from '@syncline/store-indexeddb';
import {
  backgroundSyncOnFailure,
  browserNetwork,
  channelName,
  connectTabs,
  sharedStore,
  syncLockName,
} from '@syncline/web';
import { e2eSchema } from '../../helpers/schema.ts';

const params = new URL(location.href).searchParams;
const db = params.get('db') ?? 'app';
const token = params.get('token') ?? '';

export interface AppState {
  ready: boolean;
  leader: boolean;
  /** Epoch ms when this tab last became leader. */
  leaderSince: number | null;
  status: SyncStatus | null;
  titles: string[];
  swRegistered: boolean;
  errors: string[];
}

const state: AppState = {
  ready: false,
  leader: false,
  leaderSince: null,
  status: null,
  titles: [],
  swRegistered: false,
  errors: [],
};

const store = sharedStore(createIndexedDbStore({ name: db }), new BroadcastChannel(channelName(db)));
const network = browserNetwork(window);
const client = createClient({
  schema: e2eSchema,
  store,
  network,
  transport: network.observe(fetchTransport(`${location.origin}/sync`)),
  auth: { getToken: () => token },
  pushDebounceMs: 20,
});

const render = () => {
  const s = state.status;
  const el = document.getElementById('status');
  if (!el || !s) return;
  el.textContent = [
    s.online
      ? 'You are online.'
      : "You are offline. Your changes have been saved and will be synced when you're back online.",
    `connected: ${s.connected}`,
    `pending: ${s.pending}`,
    `role: ${state.leader ? 'leader' : 'follower'}`,
  ].join('\n');
  el.dataset.online = String(s.online);
};

client.subscribe((s) => {
  state.status = s;
  render();
});
client.on('error', (e) => {
  if (e.code !== 'network') state.errors.push(`${e.code}: ${e.message}`);
});

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
      state.leaderSince = leader ? Date.now() : null;
      render();
    },
  });
  backgroundSyncOnFailure(client, { onError: (e) => state.errors.push(`background sync: ${String(e)}`) });
  await navigator.serviceWorker.register(
    `/sw.js?db=${encodeURIComponent(db)}&token=${encodeURIComponent(token)}`,
    { type: 'module', scope: '/' },
  );
  await navigator.serviceWorker.ready;
  state.swRegistered = true;
  state.ready = true;
  render();
}

declare global {
  interface Window {
    app: { state: AppState; insert(title: string): Promise<string> };
  }
}
window.app = {
  state,
  async insert(title) {
    const row = await client.db.notes.insert({ ownerId: 'u1', title, body: '', n: 0 });
    return row.id;
  },
};
main().catch((e: unknown) => state.errors.push(`startup: ${String(e)}`));
