/**
 * `@syncline/core`: what apps share between client and server — the schema builder, the wire
 * protocol (schemas and types) and the error vocabulary. What only Syncline's own packages use
 * is `@syncline/core/internal` (no compatibility promise).
 *
 * @example
 * import { defineSchema, t } from '@syncline/core';
 * export const schema = defineSchema({ lists: { columns: { name: t.text(), ownerId: t.text() } } });
 */
export {
  isRetryableStatus,
  type LocalErrorCode,
  REJECTION_CODES,
  REQUEST_ERROR_STATUS,
  type RejectionCode,
  type RequestErrorCode,
  SynclineError,
  type SynclineErrorCode,
} from './errors.ts';
export { uuidv7 } from './ids.ts';
export {
  type ClientSocketMessage,
  type CollectionChanges,
  clientSocketMessage,
  collectionChanges,
  DEFAULT_HEARTBEAT_MS,
  DEFAULT_LIMITS,
  type ErrorResponse,
  errorResponse,
  HELLO_TIMEOUT_MS,
  type InfoResponse,
  infoResponse,
  issue,
  type Limits,
  MIN_PROTOCOL_VERSION,
  type Mutation,
  type MutationResult,
  mutation,
  mutationResult,
  PROTOCOL_VERSION,
  type PullRequest,
  type PullResponse,
  type PushRequest,
  type PushResponse,
  pullRequest,
  pullResponse,
  pushRequest,
  pushResponse,
  type RevokedKeys,
  rateLimitReason,
  revokedKeys,
  type ServerSocketMessage,
  SOCKET_CLOSE,
  type SocketHello,
  type SocketPoke,
  type SocketWelcome,
  serverSocketMessage,
  socketHello,
  socketPoke,
  socketRetryAfterMs,
  socketWelcome,
  type WireRecord,
  wireRecord,
} from './protocol/index.ts';
export {
  COLUMN_KINDS,
  type ColumnBuilder,
  type ColumnDef,
  type ColumnKind,
  type ColumnType,
  type Json,
  t,
} from './schema/columns.ts';
export {
  CONFLICT_STRATEGIES,
  type CollectionDef,
  type CollectionInput,
  type ColumnValues,
  type ConflictStrategy,
  defineSchema,
  type InsertOf,
  type PatchOf,
  type RecordMeta,
  type RowOf,
  type SchemaDef,
} from './schema/define.ts';
