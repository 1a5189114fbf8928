/**
 * `@syncline/client`: the sync engine. `createClient` gives a typed local database that syncs in
 * the background. Test hooks (manual clock and network, failpoints) are `@syncline/client/testing`;
 * what LocalStore authors need is `@syncline/client/store` and `@syncline/client/conformance`.
 *
 * @example
 * const client = createClient({ schema, url: 'https://api.example.com/sync', store, auth: { getToken } });
 * await client.ready();
 * await client.start();
 */
export { type ClientOptions, createClient, type RealtimeOptions, type SynclineClient } from './client.ts';
export type { Clock } from './clock.ts';
export type { CollectionApi, Db, FindQuery, Row } from './db.ts';
export { MAX_RECORD_BYTES } from './local/ops.ts';
export type {
  ClientRejection,
  Comparison,
  LocalReadTx,
  LocalRecord,
  LocalRow,
  LocalStore,
  LocalWriteTx,
  OpenResult,
  OutboxEntry,
  Query,
  StoredRejection,
  Where,
} from './local-store.ts';
export { createMemoryStore } from './memory-store.ts';
export {
  alwaysOnline,
  type NetworkMonitor,
  networkView,
  type ObservedNetwork,
  type ObservedView,
  observedNetwork,
} from './network.ts';
export type { ClientEvents, MirroredStatus, SyncStatus } from './status.ts';
export { socketUrlOf, type WebSocketConstructor, type WebSocketLike } from './sync/socket.ts';
export {
  fetchTransport,
  readResponse,
  type SyncPath,
  type Transport,
  type TransportRequest,
  type TransportResponse,
} from './transport.ts';
