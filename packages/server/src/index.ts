/**
 * `@syncline/server`: the sync server — a Fetch-API handler (`createSyncServer`), JWT auth, and
 * the Node listener. The stores are subpaths, so importing the handler loads no database driver:
 * `@syncline/server/sqlite` (better-sqlite3) and `@syncline/server/postgres` (pg).
 *
 * @example
 * import { createJwtAuth, createSyncServer, listen } from '@syncline/server';
 * import { createSqliteStore } from '@syncline/server/sqlite';
 * const store = createSqliteStore({ path: './data/app.db', schema });
 * await store.migrate();
 * const server = createSyncServer({ schema, rules, store, auth: createJwtAuth({ secret }) });
 * await listen(server, { port: 8787 });
 */
export {
  type AccessKeys,
  type AuthContext,
  type Authenticator,
  type CollectionRules,
  DEFAULT_LIMITS,
  type Limits,
  type Logger,
  type ResolveDecision,
  type Rules,
  type SyncServer,
  type SyncServerOptions,
} from './api.ts';
export {
  type AuthFlags,
  type AuthSource,
  authFromEnv,
  createJwtAuth,
  DEV_SECRET_FILE,
  DEV_TOKEN_ISSUER,
  type DevTokenOptions,
  type EnvAuth,
  type JwtAuthOptions,
  type JwtClaimChecks,
  type JwtKeys,
  loadOrCreateDevSecret,
  MAX_USER_ID_LENGTH,
  MIN_SECRET_BYTES,
  signDevToken,
  type TokenRejection,
} from './auth/index.ts';
export { createSyncServer, scopeColumnsOf } from './handler/index.ts';
export {
  type CompressionOptions,
  type CorsOptions,
  type ExtraRoute,
  installSignalHandlers,
  type Listener,
  type ListenOptions,
  listen,
  type RateLimitOptions,
  type RateSpec,
  type SignalHandlerOptions,
  type TrustProxy,
} from './node/index.ts';
export type {
  ClientState,
  RawChanges,
  ScopeFilter,
  ServerStore,
  SqlDb,
  StoredRecord,
  StorePullRequest,
  StorePullResult,
  WriteTx,
} from './stores/types.ts';
