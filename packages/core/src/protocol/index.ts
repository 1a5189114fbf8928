/** The wire protocol: one file per message family, each a schema value and its inferred type. */
export { type ErrorResponse, errorResponse } from './errors.ts';
export { DEFAULT_LIMITS, type InfoResponse, infoResponse, type Limits } from './info.ts';
export {
  type CollectionChanges,
  collectionChanges,
  type PullRequest,
  type PullResponse,
  pullRequest,
  pullResponse,
  type RevokedKeys,
  revokedKeys,
} from './pull.ts';
export {
  issue,
  type Mutation,
  type MutationResult,
  mutation,
  mutationResult,
  type PushRequest,
  type PushResponse,
  pushRequest,
  pushResponse,
} from './push.ts';
export { type WireRecord, wireRecord } from './record.ts';
export {
  type ClientSocketMessage,
  clientSocketMessage,
  DEFAULT_HEARTBEAT_MS,
  HELLO_TIMEOUT_MS,
  rateLimitReason,
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
} from './socket.ts';
export { MIN_PROTOCOL_VERSION, PROTOCOL_VERSION } from './version.ts';

import { errorResponse } from './errors.ts';
import { infoResponse } from './info.ts';
import { pullRequest, pullResponse } from './pull.ts';
import { pushRequest, pushResponse } from './push.ts';
import { clientSocketMessage, serverSocketMessage, socketHello } from './socket.ts';

/** Every wire schema, by name; hashed by the protocol test to catch unversioned changes. */
export const wireSchemas = {
  pushRequest,
  pushResponse,
  pullRequest,
  pullResponse,
  infoResponse,
  errorResponse,
  socketHello,
  clientSocketMessage,
  serverSocketMessage,
};
