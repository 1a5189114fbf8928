/**
 * The public shape of the server, agreed between its parts (handler, Node listener, CLI).
 * Implementations live in handler/, node/, auth/, cli/.
 */
import type { Limits, SchemaDef, WireRecord } from '@syncline/core';
import type { Logger } from './handler/logger.ts';
import type { ServerStore, SqlDb } from './stores/types.ts';

export type { Logger } from './handler/logger.ts';

/** Who is calling, from a verified token. */
export interface AuthContext {
  /**
   * The user id (a JWT's `sub`). Whatever the authenticator, the handler refuses (401) one that is
   * empty, longer than 255 characters, or holds U+0000 or a lone surrogate: it reaches SQL.
   */
  userId: string;
  /**
   * Every claim of the verified token (`sub`, `exp`, your own), for rules that need more than the
   * user id.
   */
  claims: Record<string, unknown>;
}

/** Verifies a bearer token; throws `SynclineError('unauthenticated')` when it is missing, forged or expired. */
export interface Authenticator {
  /** Answers who the token belongs to; `null` means the request carried no token. */
  verify(token: string | null): Promise<AuthContext>;
}

/**
 * What a rule's `resolve` hook decides about a conflicting update or delete: apply the incoming
 * change (`accept`), refuse it with a message a person reads (`reject`), or write `record`'s
 * columns instead (`merge`).
 */
export type ResolveDecision =
  | { action: 'accept' }
  | { action: 'reject'; message: string }
  | { action: 'merge'; record: Record<string, unknown> };

/**
 * What `access` answers: the keys of a one-column scope as an array; the keys per scope column
 * (`{ userId: [me], listId: ownedLists }`, required for a multi-column scope); or `'all'` (every
 * row, e.g. an admin). A row is readable when any of its scope columns holds one of its keys.
 */
export type AccessKeys = readonly string[] | Readonly<Record<string, readonly string[]>> | 'all';

/**
 * Who may read and write one collection, as scope keys (ARCHITECTURE.md §7). One rule drives the
 * pull filter, the write check, the realtime pokes and the detection of gained and lost keys.
 *
 * @example
 * // Shared lists: a list is read by its owner (ownerId) and by its members (its own id).
 * const lists: CollectionRules = {
 *   scope: ['ownerId', 'id'],
 *   access: async (auth, db) => {
 *     const sql = 'SELECT list_id FROM members WHERE user_id = ?';
 *     const rows = await db.all<{ list_id: string }>(sql, [auth.userId]);
 *     return { ownerId: [auth.userId], id: rows.map((r) => r.list_id) };
 *   },
 * };
 */
export interface CollectionRules {
  /**
   * The column whose value is the row's scope key, several such columns (a row readable through
   * any of them, e.g. a membership by its member and by the list's owner: `['userId', 'listId']`;
   * `'id'` makes a row readable by its own id), or 'public' (every authenticated user reads).
   */
  scope: string | readonly string[];
  /** The scope keys the user may read (see {@link AccessKeys}). Not used for 'public'. */
  access?: (auth: AuthContext, db: SqlDb) => Promise<AccessKeys> | AccessKeys;
  /**
   * The write check; when given it replaces the default (so it can allow writes into keys the
   * caller cannot read, e.g. an owner adding a member). Default: the scope key of the old row (if
   * any) and of the new row are in the user's keys; for 'public' collections the default denies.
   * Answer `true` to allow; anything else is `forbidden`.
   */
  write?: (
    auth: AuthContext,
    change: { old: WireRecord | null; new: WireRecord | null },
    db: SqlDb,
  ) => Promise<boolean> | boolean;
  /**
   * For collections that decide access (memberships, shares): the users whose keys a change of
   * this row may change. The realtime socket calls it with the row before and after a change
   * (each on its own; a deleted row as its tombstone or, for a plain SQL `DELETE` or a scope move,
   * as the scope columns its gone-marker recorded) and pokes the connections of every user named,
   * for all the collections they sync, then recomputes their keys. `access()` is an opaque
   * function, so without `affects` a new member hears of the list only at their next pull.
   * Keep it synchronous and cheap: it runs for every change of the collection. Only the columns
   * the row carries count; for a hard delete, that is the store's scope columns.
   *
   * @example
   * members: { scope: ['userId', 'listId'], access, affects: (row) => [String(row.userId)] }
   */
  affects?: (row: Readonly<Record<string, unknown>>) => readonly string[] | null | undefined;
  /** Runs when an update or delete conflicts; may accept, reject or merge. */
  resolve?: (
    current: WireRecord,
    incoming: { op: 'update' | 'delete'; patch?: Record<string, unknown>; baseVersion: number },
    ctx: { auth: AuthContext },
  ) => Promise<ResolveDecision> | ResolveDecision;
}

/**
 * The access rules of a server: one {@link CollectionRules} per collection name. Server-only code
 * (it may query the database); outside dev mode a collection without rules is not served.
 *
 * @example
 * import type { Rules } from '@syncline/server';
 *
 * export const rules: Rules = {
 *   // Each user reads and writes only their own lists (the key is the user id).
 *   lists: { scope: 'ownerId' },
 *   // Tasks are read through their list: the keys are the ids of the lists the user owns.
 *   tasks: {
 *     scope: 'listId',
 *     access: async (auth, db) => {
 *       const rows = await db.all<{ id: string }>('SELECT id FROM lists WHERE owner_id = ?', [auth.userId]);
 *       return rows.map((r) => r.id);
 *     },
 *   },
 *   // Everyone signed in reads the announcements; nobody writes them through sync.
 *   announcements: { scope: 'public' },
 * };
 */
export type Rules = Record<string, CollectionRules>;

export { DEFAULT_LIMITS, type Limits } from '@syncline/core';

/**
 * Options of `createSyncServer`: the schema, the rules, the store and the authenticator are the
 * server; the rest tunes it.
 *
 * @example
 * const server = createSyncServer({
 *   schema,
 *   rules,
 *   store: createPostgresStore({ connectionString: process.env.DATABASE_URL!, schema }),
 *   auth: createJwtAuth({ secret: process.env.SYNCLINE_JWT_SECRET! }),
 *   limits: { maxMutationsPerPush: 200 },
 *   logger: pino(),
 * });
 */
export interface SyncServerOptions {
  /** The schema shared with the clients (`defineSchema`). */
  schema: SchemaDef;
  /** Access rules; outside dev mode a collection without rules is not served. */
  rules?: Rules;
  /**
   * Where the data lives: `createSqliteStore` (`@syncline/server/sqlite`) or `createPostgresStore`
   * (`@syncline/server/postgres`), migrated before serving.
   */
  store: ServerStore;
  /** Verifies each request's bearer token, e.g. `createJwtAuth({ secret })` or `authFromEnv()`. */
  auth: Authenticator;
  /** Dev mode: collections without rules are readable and writable by every user. */
  dev?: boolean;
  /** Mount path, default '/sync'. */
  basePath?: string;
  /**
   * Overrides of the request limits (`DEFAULT_LIMITS`: 4 MiB bodies, 256 KiB per mutation, 500
   * mutations per push, 1,000 rows per page); announced in `GET <basePath>/info`.
   */
  limits?: Partial<Limits>;
  /** How many recorded outcomes per client to keep for duplicate answers (default 1000). */
  outcomeRetention?: number;
  /**
   * Where the server logs (pino-compatible, e.g. `pino()`); default: nowhere. Every 5xx answer is
   * logged with its cause and request id (`error` for 500, `warn` for 503), every request at
   * `debug`. Lines never hold the `authorization` header or row data.
   */
  logger?: Logger;
  /**
   * Called once for every request answered 500 `internal` (an unexpected error: a bug, a typo in a
   * rule's SQL, an unmigrated table), with the error, the request and the request id that the
   * answer carries (`x-request-id` header, `error.details.requestId`), e.g. to report it to your
   * error tracker. A 503 (the database is down or busy) is logged, not reported here. A throwing
   * hook is ignored.
   *
   * @example
   * createSyncServer({ ...options, onError: (error, request, { requestId }) => tracker.capture(error, { requestId, url: request.url }) });
   */
  onError?: (error: unknown, request: Request, context: { requestId: string }) => void;
  /** The realtime socket `<basePath>/ws` (protocol 3, decision 0013). */
  realtime?: RealtimeOptions;
}

/** Timers the realtime socket uses; injectable so tests run on fake or fast clocks. */
export interface RealtimeTimers {
  setTimeout(fn: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

/** Options of the realtime socket. */
export interface RealtimeOptions {
  /** false: serve no socket (clients fall back to their poll). Default true when the store has a change feed. */
  enabled?: boolean;
  /** How often each side pings, announced in `welcome`; silence for twice this closes (4408). Default 25 s. */
  heartbeatMs?: number;
  /**
   * The handshake deadline: how long a new socket may take from the upgrade to its `welcome` —
   * sending `hello` (else 4408) and having it checked (token, client id, change feed; a check
   * that hangs, e.g. a JWKS endpoint that never answers, closes 1013). Default
   * `HELLO_TIMEOUT_MS` (10 s).
   */
  helloTimeoutMs?: number;
  /**
   * Message-rate limit per socket, a token bucket: `perSecond` messages refill it, `burst` is its
   * size. A socket that sends more is closed 4429 with a retry hint in the close reason
   * (`retry after <ms> ms`: the time the bucket takes to fill). Default 10 per second, burst 50
   * (a well-behaved client sends a ping and a pong per heartbeat and an occasional `auth`).
   * Buckets are per socket and per instance; per-IP connection caps bound reconnects.
   */
  messageRate?: { perSecond?: number; burst?: number };
  /**
   * The most a socket may have buffered for sending (its `bufferedAmount`, bytes) before the
   * server gives up on it: a client that stopped reading is closed 4408 and cut at once, instead
   * of the server buffering pokes for it without bound. Default 1 MiB. Needs a carrier that
   * reports `bufferedAmount` (`listen()` and `attachRealtime` do).
   */
  maxBufferedBytes?: number;
  /** Wall-clock ms, for token expiry and the message-rate bucket; default `Date.now`. */
  now?: () => number;
  /** Default the global `setTimeout`/`clearTimeout`. */
  timers?: RealtimeTimers;
  /** Told about background failures (a feed read, a key recomputation). Never logs by itself. */
  onError?: (error: unknown) => void;
}

/**
 * One socket as the realtime hub sees it, whatever carries it (`ws` in the Node listener and
 * `attachRealtime`; another library in another runtime).
 */
export interface SocketPeer {
  /** Sends one text frame. */
  send(text: string): void;
  /** Closes the socket with a WebSocket close code. */
  close(code: number, reason: string): void;
  /** Bytes queued for sending and not yet handed to the network (the send-buffer cap reads it). */
  bufferedAmount?(): number;
  /** Drops the connection without waiting for a closing handshake (a peer that stopped reading). */
  terminate?(): void;
}

/** What the carrier tells the hub about one accepted socket. */
export interface SocketSession {
  /** A frame arrived: its text, or null for a binary frame (a protocol error). */
  message(text: string | null): void;
  /** The socket closed (either side). */
  closed(): void;
}

/** Counters of the realtime hub, for `/metrics` and tests. */
export interface RealtimeStats {
  /** Sockets open now (welcomed or still in their handshake). */
  connections: number;
  /** Pokes sent since the start. */
  pokes: number;
  /** Pokes sent, per user that has a socket open now. */
  pokesByUser: ReadonlyMap<string, number>;
}

/** The transport-independent side of the realtime socket. */
export interface RealtimeHub {
  /** The socket's path, `<basePath>/ws`. */
  readonly path: string;
  /** Takes over a freshly upgraded socket: the hub runs the handshake, heartbeats and pokes. */
  accept(peer: SocketPeer): SocketSession;
  stats(): RealtimeStats;
  /** Closes every socket with 1001 (going away) and stops the change feed. */
  close(): Promise<void>;
}

/**
 * A sync server made by `createSyncServer`: a Fetch-API handler plus what the Node listener needs.
 *
 * @example
 * const server = createSyncServer({ schema, rules, store, auth });
 * const response = await server.handler(request); // mount it in any Fetch-API framework
 * await listen(server, { port: 8787 }); // or Node's own listener, with /healthz, /metrics and the socket
 */
export interface SyncServer {
  /** Fetch-API handler: mounts into any framework. Answers 404 outside basePath. */
  handler(request: Request): Promise<Response>;
  /** The limits in force (the defaults merged with `options.limits`). */
  readonly limits: Limits;
  /** The store given in the options. */
  readonly store: ServerStore;
  /**
   * The logger given in the options (a silent one by default); `listen()` logs through it too.
   * Optional so that a wrapper of a SyncServer may leave it out (then `listen()` logs nothing).
   */
  readonly logger?: Logger;
  /**
   * Answers an error thrown outside `handler` (a route of your own, the Node listener) the way the
   * handler answers its own: a request error keeps its code; anything else is a 500 with a
   * request id, logged and passed to `onError`.
   */
  answerError?(error: unknown, request: Request): Response;
  /**
   * The realtime socket's hub, or null when realtime is off or the store has no change feed.
   * `listen()` serves it; `attachRealtime(httpServer, server)` adds it to your own Node server.
   */
  readonly realtime?: RealtimeHub | null;
  /**
   * Who calls a route that needs a token (`POST <basePath>/push` and `/pull`): the verified
   * caller, null for any other request, or a throw (401, or the authenticator's 503) for a
   * missing or refused token. Remembered per `Request`: the handler reuses it, so `listen()`'s
   * rate limit does not verify a token twice.
   */
  authenticate?(request: Request): Promise<AuthContext | null>;
  /** Closes the realtime sockets (1001), then the store. */
  close(): Promise<void>;
}
