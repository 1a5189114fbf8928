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
export { SYNC_TAG, backgroundSyncOnFailure, registerBackgroundSync, type StatusSource } from './background-sync.ts';
export { type ChangeNotice, type NoticeChannel, type SharedStore, channelName, sharedStore } from './changes.ts';
export { type Leadership, type LeadershipOptions, type Locks, electLeader, syncLockName } from './leadership.ts';
export { type BrowserNetwork, type OnlineSource, browserNetwork } from './network.ts';
export { type ExternalChanges, type Tabs, type TabsOptions, connectTabs } from './tabs.ts';
