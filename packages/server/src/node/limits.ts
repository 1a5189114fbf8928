/**
 * The listener's limits on hostile or runaway callers: token-bucket rate limits on push and pull
 * (per verified user; per client address for requests whose token is missing or refused), an
 * idle timeout on request bodies, a cap on open connections per address, and the bearer token of
 * `/metrics`. Each is off unless `listen()` is given its option (the idle timeout has a default).
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import { SynclineError } from '@syncline/core';
import type { SyncServer } from '../api.ts';
import { requestError } from '../handler/errors.ts';
import { requestIdOf } from '../handler/logger.ts';
import { addressKey } from '../limits/client-address.ts';
import { checkRateSpec, createRateLimiter, type RateSpec } from '../limits/token-bucket.ts';
import { jsonResponse } from './convert.ts';

/** The `rateLimit` option of `listen()`: per instance, in memory (decision 0017). */
export interface RateLimitOptions {
  /** Push and pull requests per verified user (the token's `sub`), e.g. `{ perSecond: 20, burst: 100 }`. */
  user?: RateSpec;
  /**
   * Push and pull requests whose token is missing or refused, per client address (see
   * `trustProxy`; IPv6 by /64), e.g. `{ perSecond: 5, burst: 20 }`. Over it they get 429
   * instead of 401, so guessing tokens is slow; callers with a valid token are never counted here.
   */
  ip?: RateSpec;
  /** Milliseconds clock of the buckets; default `performance.now`. For tests. */
  now?: () => number;
}

/** Checks the request against the buckets: a 429 answer, or null to serve it. */
export type RateCheck = (request: Request, address: string) => Promise<Response | null>;

/** Builds the rate check of `options`, or null when no bucket is configured. */
export function createRateCheck(
  server: SyncServer,
  options: RateLimitOptions | false | undefined,
): RateCheck | null {
  if (!options || (options.user === undefined && options.ip === undefined)) return null;
  const authenticate = server.authenticate?.bind(server);
  if (authenticate === undefined) {
    throw new TypeError(
      'rateLimit needs the sync server to identify callers: pass a server made by createSyncServer() (it has authenticate()).',
    );
  }
  const clock = options.now === undefined ? {} : { now: options.now };
  if (options.user) checkRateSpec(options.user, 'rateLimit.user');
  if (options.ip) checkRateSpec(options.ip, 'rateLimit.ip');
  const perUser = options.user ? createRateLimiter(options.user, clock) : null;
  const perIp = options.ip ? createRateLimiter(options.ip, clock) : null;
  return async (request, address) => {
    let userId: string | null;
    try {
      userId = (await authenticate(request))?.userId ?? null;
    } catch (error) {
      // The authenticator's own outage (a JWKS that cannot be fetched, 503) is not the caller's
      // doing: the handler answers it, nothing is counted.
      if (!(error instanceof SynclineError) || error.code !== 'unauthenticated') return null;
      // A refused token: the handler answers 401 (it reuses this verification) unless this
      // address has spent its budget of refused requests.
      const verdict = perIp?.take(addressKey(address));
      return verdict && !verdict.ok
        ? tooMany(
            request,
            verdict.retryAfterSeconds,
            'ip',
            'requests without a valid token from your address',
          )
        : null;
    }
    if (userId === null || perUser === null) return null;
    const verdict = perUser.take(userId);
    return verdict.ok
      ? null
      : tooMany(request, verdict.retryAfterSeconds, 'user', 'sync requests for this user');
  };
}

function tooMany(request: Request, seconds: number, limit: 'user' | 'ip', what: string): Response {
  const requestId = requestIdOf(request);
  const error = requestError(
    'rate_limited',
    `Too many ${what}: retry in ${seconds} s (Retry-After). The server limits request rates.`,
    { limit, retryAfterSeconds: seconds },
  );
  return jsonResponse(
    429,
    { error: { code: error.code, message: error.message, details: error.details } },
    { 'retry-after': String(seconds), 'x-request-id': requestId },
  );
}

/**
 * Closes a request whose body stops arriving for `idleMs` (the time between chunks, never the
 * total: a large body on a slow but steady link keeps going). Bytes that arrived and wait for the
 * handler to read them are the server's turn, not a stall. The request is destroyed with a
 * `bad_request` error, so the handler, if it is reading, fails it as a client mistake (no 5xx
 * in the log); `onStall` counts it.
 */
export function watchBodyIdle(req: IncomingMessage, idleMs: number, onStall: () => void): void {
  if (idleMs <= 0 || req.complete || !hasBody(req)) return;
  const timer = setTimeout(check, idleMs);
  const reset = () => timer.refresh();
  const socket = req.socket;
  const stop = () => {
    clearTimeout(timer);
    req.off('data', reset);
    socket.off('close', stop);
  };
  // Listening to 'data' does not start the flow: the body stream (Readable.toWeb) paused it.
  req.on('data', reset);
  req.once('end', stop);
  req.once('close', stop);
  // A request answered before its body was read is neither destroyed nor closed when its
  // connection goes: without this, the timer would find its half body buffered, wait again,
  // forever, and hold the request, the response, the socket and the bytes.
  socket.once('close', stop);
  function check(): void {
    if (req.complete || req.destroyed || socket.destroyed) {
      stop();
      return;
    }
    if (req.readableLength > 0) {
      timer.refresh();
      return;
    }
    stop();
    onStall();
    req.destroy(
      requestError(
        'bad_request',
        `The request body stalled: nothing arrived for ${idleMs} ms. The connection was closed; send the request again.`,
      ),
    );
  }
}

function hasBody(req: IncomingMessage): boolean {
  if (req.headers['transfer-encoding'] !== undefined) return true;
  const length = Number(req.headers['content-length'] ?? 0);
  return Number.isFinite(length) && length > 0;
}

/**
 * Caps the sockets open at once per client address (the TCP peer, IPv6 by /64; a realtime socket
 * counts). A socket over the cap is answered 503 and closed before its request is read; the
 * returned set holds them so the request handler leaves them alone.
 */
export function capConnections(httpServer: Server, max: number, onRefused: () => void): WeakSet<Socket> {
  if (!Number.isInteger(max) || max < 1) {
    throw new TypeError(`maxConnectionsPerIp must be a whole number of at least 1, got ${String(max)}.`);
  }
  const open = new Map<string, number>();
  const refused = new WeakSet<Socket>();
  httpServer.on('connection', (socket: Socket) => {
    const key = addressKey(socket.remoteAddress ?? 'unknown');
    const count = open.get(key) ?? 0;
    if (count >= max) {
      refused.add(socket);
      onRefused();
      const body = JSON.stringify({
        error: {
          code: 'unavailable',
          message: `Too many open connections from your address (at most ${max}): close some and retry.`,
        },
      });
      socket.end(
        `HTTP/1.1 503 Service Unavailable\r\nConnection: close\r\nRetry-After: 1\r\nContent-Type: application/json; charset=utf-8\r\nContent-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`,
        () => socket.destroy(),
      );
      return;
    }
    open.set(key, count + 1);
    socket.once('close', () => {
      const left = (open.get(key) ?? 1) - 1;
      if (left <= 0) open.delete(key);
      else open.set(key, left);
    });
  });
  return refused;
}

/** `/metrics` behind a bearer token: a check of a request's `authorization`. */
export function metricsGuard(metrics: boolean | { token: string } | undefined): {
  on: boolean;
  allows(authorization: string | null): boolean;
} {
  if (metrics === undefined || typeof metrics === 'boolean') {
    return { on: metrics ?? true, allows: () => true };
  }
  const token = metrics.token;
  if (typeof token !== 'string' || token.length < 16) {
    throw new TypeError(
      'metrics.token must be a string of at least 16 characters (e.g. `openssl rand -hex 24`); use metrics: false to turn /metrics off.',
    );
  }
  const expected = digest(token);
  return {
    on: true,
    allows(authorization) {
      const match = /^Bearer\s+(\S+)\s*$/i.exec(authorization ?? '');
      return match !== null && timingSafeEqual(digest(match[1]!), expected);
    },
  };
}

const digest = (text: string) => createHash('sha256').update(text).digest();

/** The 401 of `/metrics` without the right token. */
export function metricsRefused(): Response {
  return jsonResponse(
    401,
    {
      error: {
        code: 'unauthenticated',
        message: 'GET /metrics needs the metrics bearer token (Authorization: Bearer <token>).',
      },
    },
    { 'www-authenticate': 'Bearer realm="metrics"' },
  );
}

/** Writes nothing to a socket the connection cap refused. */
export function isRefused(refused: WeakSet<Socket> | null, res: ServerResponse): boolean {
  return refused !== null && res.socket !== null && refused.has(res.socket);
}
