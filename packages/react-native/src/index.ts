/**
 * `@syncline/react-native`: what a React Native app adds to the engine — a network monitor on
 * NetInfo and background sync within the OS budget (react-native-background-fetch or Expo's
 * expo-background-task). The native modules are passed in, so this package imports none of them.
 * The store is `@syncline/store-sqlite` with `@syncline/store-sqlite/op-sqlite`.
 *
 * @example
 * import NetInfo from '@react-native-community/netinfo';
 * import BackgroundFetch from 'react-native-background-fetch';
 * import { open } from '@op-engineering/op-sqlite';
 *
 * const network = netInfoNetwork(NetInfo);
 * const store = createSqliteLocalStore(opSqliteDriver(open({ name: 'sync.db' })));
 * const client = createClient({ schema, store, network, transport: network.observe(fetchTransport(url)) });
 * await configureBackgroundFetch(BackgroundFetch, createBackgroundSync({ client }));
 */
export {
  type BackgroundFetchLike,
  type BackgroundFetchOptions,
  backgroundFetchHeadlessTask,
  configureBackgroundFetch,
  type HeadlessEvent,
} from './background-fetch.ts';
export type { BackgroundSyncRecord, KeyValueStorage } from './background-record.ts';
export {
  type BackgroundSync,
  type BackgroundSyncClient,
  type BackgroundSyncOptions,
  createBackgroundSync,
} from './background-sync.ts';
export { type ExpoBackgroundTaskResult, expoBackgroundTask } from './expo-background-task.ts';
export {
  type NetInfoLike,
  type NetInfoNetwork,
  type NetInfoStateLike,
  netInfoNetwork,
  netInfoOnline,
} from './netinfo-network.ts';
