/**
 * `@syncline/web`: what a browser app adds to the engine — a network monitor, one syncing tab
 * among many (Web Locks), change notices between tabs (BroadcastChannel) and Background Sync.
 * The service-worker half is `@syncline/web/service-worker`.
 *
 * @example
 * const store = sharedStore(createIndexedDbStore({ name: 'todo' }), new BroadcastChannel(channelName('todo')));
 * const network = browserNetwork();
 * const client = createClient({ schema, store, network, transport: network.observe(fetchTransport('/sync')) });
 * connectTabs({ client, store, lock: syncLockName('todo') });
 * backgroundSyncOnFailure(client);
 */
export {
  backgroundSyncOnFailure,
  registerBackgroundSync,
  type StatusSource,
  SYNC_TAG,
} from './background-sync.ts';
export {
  type ChangeNotice,
  channelName,
  type NoticeChannel,
  type SharedStore,
  sharedStore,
} from './changes.ts';
export {
  electLeader,
  type Leadership,
  type LeadershipOptions,
  type Locks,
  syncLockName,
} from './leadership.ts';
export { type BrowserNetwork, browserNetwork, type OnlineSource } from './network.ts';
export {
  type MirrorTarget,
  mirrorStatus,
  type StatusMirror,
  type StatusNotice,
  type StatusRequest,
} from './status-mirror.ts';
export { connectTabs, type Tabs, type TabsOptions } from './tabs.ts';
