import * as z from 'zod/mini'; // a namespace import: bundlers tree-shake it, `import { z }` keeps all of zod

/**
 * The realtime socket, `GET <base>/ws` (protocol 3). JSON text frames, one message per frame.
 * The socket only wakes clients: data and cursors still move through push and pull.
 *
 * 1. The client sends `hello` first; the server must have checked it and answered within
 *    `HELLO_TIMEOUT_MS` of the upgrade (no hello in time: 4408; a check that hangs: 1013).
 * 2. The server answers `welcome`, or closes with a {@link SOCKET_CLOSE} code.
 * 3. The server sends `poke` when data the client can see may have changed; the client pulls
 *    those collections (coalescing pokes that arrive while a pull is running).
 * 4. Both sides send `ping` every `heartbeatMs` and answer a `ping` with `pong`; a side that
 *    hears nothing (no frame of any type) for `2 * heartbeatMs` closes the socket (4408) and the
 *    client reconnects with jittered backoff.
 * 5. When the token expires the server closes with 4401; the client gets a fresh token and
 *    reconnects. `auth` replaces the token on an open socket (to extend it without a reconnect).
 */
export const socketHello = z.object({
  type: z.literal('hello'),
  protocol: z.int(),
  clientId: z.string().check(z.minLength(1), z.maxLength(200)),
  token: z.string(),
  /** The collections the client syncs; pokes name only these. */
  collections: z.array(z.string()),
});
/** The client's first socket frame (see {@link socketHello}). */
export type SocketHello = z.infer<typeof socketHello>;

/** The server's answer to a valid `hello`: the socket is open and pokes follow. */
export const socketWelcome = z.object({
  type: z.literal('welcome'),
  protocol: z.int(),
  /** How often each side pings; silence for twice this closes the socket. */
  heartbeatMs: z.int().check(z.positive()),
});
/** The `welcome` frame (see {@link socketWelcome}). */
export type SocketWelcome = z.infer<typeof socketWelcome>;

/** A hint that data the client can see may have changed: pull the named collections. It carries no data. */
export const socketPoke = z.object({
  type: z.literal('poke'),
  /** Collections with changes the client may see; pull these. */
  collections: z.array(z.string()),
});
/** The `poke` frame (see {@link socketPoke}). */
export type SocketPoke = z.infer<typeof socketPoke>;

/** A heartbeat; the other side answers `pong`. */
export const socketPing = z.object({ type: z.literal('ping') });
/** The answer to a `ping`. */
export const socketPong = z.object({ type: z.literal('pong') });
/** A fresh token for an open socket, so the server extends it instead of closing it with 4401. */
export const socketAuth = z.object({ type: z.literal('auth'), token: z.string() });

/** What a client may send after `hello`. */
export const clientSocketMessage = z.discriminatedUnion('type', [socketPing, socketPong, socketAuth]);
/** A frame a client may send after `hello` (see {@link clientSocketMessage}). */
export type ClientSocketMessage = z.infer<typeof clientSocketMessage>;

/** What a server may send. */
export const serverSocketMessage = z.discriminatedUnion('type', [
  socketWelcome,
  socketPoke,
  socketPing,
  socketPong,
]);
/** A frame a server may send (see {@link serverSocketMessage}). */
export type ServerSocketMessage = z.infer<typeof serverSocketMessage>;

/**
 * Close codes. 4401/4403/4426 follow the HTTP answers (refresh the token; stop; upgrade the
 * client). 4400 is a malformed or out-of-order message. 4408 a peer that is silent or does not
 * keep up (it stopped reading while the server's send buffer filled): reconnect. 4429 too many
 * messages: the reason carries a retry hint ({@link socketRetryAfterMs}); reconnect no sooner.
 * 1009 (the `ws` package's own code) a frame over the size limit. 4413 is reserved. 1001 is a
 * server going away (restart, shutdown): reconnect. 1011/1013 the server could not set the
 * socket up (its database or change feed is down, or the hello could not be checked in time):
 * reconnect with backoff.
 */
export const SOCKET_CLOSE = {
  goingAway: 1001,
  messageTooBig: 1009,
  badMessage: 4400,
  unauthenticated: 4401,
  forbidden: 4403,
  silent: 4408,
  tooLarge: 4413,
  protocolUnsupported: 4426,
  rateLimited: 4429,
} as const;

/**
 * The reason of a 4429 close: a sentence ending in `retry after <ms> ms`, which
 * {@link socketRetryAfterMs} reads back. Close reasons are at most 123 bytes; this stays short.
 *
 * @example
 * ws.close(SOCKET_CLOSE.rateLimited, rateLimitReason(5000)); // 'Too many messages; retry after 5000 ms.'
 */
export function rateLimitReason(retryAfterMs: number): string {
  return `Too many messages; retry after ${Math.max(0, Math.ceil(retryAfterMs))} ms.`;
}

/**
 * The retry hint of a close reason (`retry after <ms> ms`), or undefined when it has none.
 *
 * @example
 * socketRetryAfterMs('Too many messages; retry after 5000 ms.'); // 5000
 */
export function socketRetryAfterMs(reason: string | undefined): number | undefined {
  const m = /retry after (\d{1,9}) ms/.exec(reason ?? '');
  return m ? Number(m[1]) : undefined;
}

/** The server closes a socket that is not welcomed (no `hello`, or its check hangs) within this long. */
export const HELLO_TIMEOUT_MS = 10_000;
/** The heartbeat the server announces unless configured otherwise. */
export const DEFAULT_HEARTBEAT_MS = 25_000;
