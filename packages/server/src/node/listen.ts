import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { REQUEST_ERROR_STATUS, type RequestErrorCode, SynclineError } from '@syncline/core';
import type { SyncServer } from '../api.ts';
import { answerFailure } from '../handler/failures.ts';
import { errorFields, requestIdOf, safeLog, silentLogger } from '../handler/logger.ts';
import { pushOutcomes } from '../handler/push/outcomes.ts';
import { clientAddress, proxyHops, type TrustProxy } from '../limits/client-address.ts';
import { type CompressionOptions, compressionSetting, compressResponse } from './compress.ts';
import { jsonResponse, toFetchRequest, writeFetchResponse } from './convert.ts';
import { type CorsOptions, createCors } from './cors.ts';
import {
  capConnections,
  createRateCheck,
  isRefused,
  metricsGuard,
  metricsRefused,
  type RateLimitOptions,
  watchBodyIdle,
} from './limits.ts';
import { createListenerMetrics, routeLabel } from './metrics.ts';
import { checkReady } from './ready.ts';
import { type AttachRealtimeOptions, attachRealtime } from './websocket.ts';

/** A route served by the listener itself, before the sync handler (e.g. dev-mode pages). */
export interface ExtraRoute {
  /** HTTP method, upper case. */
  method: string;
  /** Exact path, e.g. `/dev/token`. */
  path: string;
  handler: (request: Request) => Response | Promise<Response>;
}

/** Options of {@link listen}. */
export interface ListenOptions {
  /** TCP port; 0 picks a free one (read it from the result). */
  port: number;
  /** Interface to bind; default `127.0.0.1` (loopback only). Use `0.0.0.0` to serve the network. */
  host?: string;
  /** Routes of your own served beside the sync API (e.g. a static app, a login endpoint). */
  extraRoutes?: readonly ExtraRoute[];
  /** How long `close()` lets in-flight requests run before cutting connections; default 10 s. */
  shutdownTimeoutMs?: number;
  /** How long `/readyz` waits for the store; default 2 s. */
  healthTimeoutMs?: number;
  /**
   * Serve `GET /metrics` in Prometheus text format (request counters by route and status, push
   * outcomes, closed connections, uptime and, on PostgreSQL, the xid watermark lag); default true.
   * `{ token }` (at least 16 characters) serves it only to `Authorization: Bearer <token>` (401
   * otherwise); `true` serves it to anyone who reaches the port: it tells load, not data.
   */
  metrics?: boolean | { token: string };
  /**
   * Token-bucket rate limits on push and pull, answered 429 `rate_limited` with `Retry-After`
   * (seconds): per verified user, and per client address for requests with a missing or refused
   * token. Off by default (`syncline serve` turns them on). Per instance: see decision 0017.
   */
  rateLimit?: RateLimitOptions | false;
  /**
   * Whether the client address (per-address rate limit) comes from `X-Forwarded-For`: false
   * (default) uses the TCP peer; `true` or a number is how many reverse proxies stand in front.
   * Set it only behind proxies that append to the header, or clients choose their own address.
   */
  trustProxy?: TrustProxy;
  /** CORS allow-list (preflights, headers on every answer, the socket's `Origin` check); default none. */
  cors?: CorsOptions;
  /**
   * How long a client may take to send the request line and headers (node:http
   * `headersTimeout`; answered 408 and closed); default 15 s.
   */
  headersTimeoutMs?: number;
  /**
   * How long a request body may go without a byte before the connection is closed; default 15 s;
   * 0 turns it off. An idle timeout, not a total one: a large push over a slow link that keeps
   * sending finishes, however long it takes.
   */
  bodyIdleTimeoutMs?: number;
  /**
   * Sockets open at once per client address (the TCP peer; IPv6 by /64; realtime sockets count);
   * over it a new connection is answered 503 and closed. Default: no cap. Behind a proxy every
   * connection comes from the proxy: cap there instead.
   */
  maxConnectionsPerIp?: number;
  /**
   * The realtime socket `<basePath>/ws` (protocol 3): on by default whenever the sync server has
   * a realtime hub (its store has a change feed; both built-in stores do). false turns it off;
   * an object sets its frame limit. Heartbeats and timeouts are `createSyncServer({ realtime })`.
   */
  realtime?: boolean | Omit<AttachRealtimeOptions, 'rejectOtherUpgrades' | 'allowOrigin'>;
  /**
   * Compressed answers: JSON and text of at least `thresholdBytes` (default 1024) are sent br- or
   * gzip-encoded when the request's `Accept-Encoding` allows (browsers and Node's fetch send it).
   * On by default; false sends every answer as it is (e.g. behind a proxy that compresses).
   */
  compression?: CompressionOptions | false;
}

/** A running Node listener made by {@link listen}. */
export interface Listener {
  /** Base URL without a trailing slash, e.g. `http://127.0.0.1:8787`. */
  readonly url: string;
  /** The port it listens on (the chosen one when `port` was 0). */
  readonly port: number;
  /** Stops accepting, lets in-flight requests finish (bounded), then closes the sync server and its store. */
  close(): Promise<void>;
}

function errorBody(code: RequestErrorCode, message: string): Response {
  return jsonResponse(REQUEST_ERROR_STATUS[code], { error: { code, message } });
}

const INTERNAL_MESSAGE =
  'The server hit an unexpected error. Retry later; if it keeps happening, check the server log.';

/**
 * Serves a {@link SyncServer} over node:http: `GET /healthz` (the process is alive), `GET /readyz`
 * (the store can serve: reachable and migrated), `GET /metrics`, the extra routes, and everything
 * else through `server.handler`. Unexpected errors become 500 `internal` answers with a request
 * id, logged through `server.logger` and reported to its `onError`, never a crash. Logs
 * `listening at <url>` (with `url`, `host` and `port` fields) at `info` once bound.
 * The realtime socket `<basePath>/ws` is served too (see `ListenOptions.realtime`); `close()`
 * closes its sockets with 1001 first.
 *
 * @example
 * const listener = await listen(createSyncServer(options), { port: 8787 });
 * // listener.url is e.g. http://127.0.0.1:8787
 * process.on('SIGTERM', () => void listener.close());
 */
export async function listen(server: SyncServer, options: ListenOptions): Promise<Listener> {
  const host = options.host ?? '127.0.0.1';
  const shutdownTimeoutMs = options.shutdownTimeoutMs ?? 10_000;
  const healthTimeoutMs = options.healthTimeoutMs ?? 2_000;
  const routes = options.extraRoutes ?? [];
  const logger = server.logger ?? silentLogger;
  const answerError =
    server.answerError?.bind(server) ??
    ((error: unknown, request: Request) =>
      answerFailure({ logger, onError: undefined }, error, request, requestIdOf(request)));
  /** Failures outside any one request's answer (socket errors, a metrics gauge): logged only. */
  const report = (error: unknown, what = 'listener error') =>
    safeLog(logger, 'error', { error: errorFields(error) }, `${what}: ${describeError(error)}`);

  let origin = '';
  let closing = false;
  const metricsAccess = metricsGuard(options.metrics);
  const metricsOn = metricsAccess.on;
  const metrics = createListenerMetrics();
  const hops = proxyHops(options.trustProxy);
  const cors = options.cors === undefined ? null : createCors(options.cors);
  const compression = compressionSetting(options.compression);
  const rateCheck = createRateCheck(server, options.rateLimit);
  const headersTimeoutMs = checkTimeout(options.headersTimeoutMs ?? 15_000, 'headersTimeoutMs', 1);
  const bodyIdleTimeoutMs = checkTimeout(options.bodyIdleTimeoutMs ?? 15_000, 'bodyIdleTimeoutMs', 0);
  const knownRoutes = new Set([
    '/healthz',
    '/readyz',
    ...(metricsOn ? ['/metrics'] : []),
    ...routes.map((r) => r.path),
  ]);

  async function renderMetrics(): Promise<Response> {
    const text = await metrics.render(server.store, healthTimeoutMs, report, server.realtime ?? null);
    return new Response(text, {
      headers: { 'content-type': 'text/plain; version=0.0.4; charset=utf-8', 'cache-control': 'no-store' },
    });
  }

  async function ready(request: Request): Promise<Response> {
    try {
      await checkReady(server.store, healthTimeoutMs);
      return jsonResponse(200, { ok: true });
    } catch (error) {
      const requestId = requestIdOf(request);
      safeLog(
        logger,
        'warn',
        { requestId, path: '/readyz', status: 503, error: errorFields(error) },
        `not ready: ${describeError(error)}`,
      );
      const response = jsonResponse(503, {
        ok: false,
        error: { code: 'unavailable', message: `Not ready: ${describeError(error)}`, details: { requestId } },
      });
      response.headers.set('x-request-id', requestId);
      return response;
    }
  }

  async function route(request: Request, address: string): Promise<Response> {
    const { pathname } = new URL(request.url);
    const probe = request.method === 'GET' || request.method === 'HEAD';
    // Liveness answers without the store: a database blip must not make an orchestrator restart
    // every instance. Readiness is the store check: 503 while it cannot serve, 200 again after.
    if (pathname === '/healthz' && probe) return jsonResponse(200, { ok: true });
    if (pathname === '/readyz' && probe) return ready(request);
    if (metricsOn && pathname === '/metrics' && probe)
      return metricsAccess.allows(request.headers.get('authorization')) ? renderMetrics() : metricsRefused();
    const extra = routes.find((r) => r.path === pathname && r.method === request.method);
    try {
      if (extra) return await extra.handler(request);
      const limited = rateCheck === null ? null : await rateCheck(request, address);
      return limited ?? (await server.handler(request));
    } catch (error) {
      // The handler answers its own errors; a throw here is from an extra route or a bug, answered
      // (and logged, and reported) the handler's way.
      return answerError(error, request);
    }
  }

  async function serve(req: IncomingMessage, res: ServerResponse): Promise<void> {
    if (isRefused(refused, res)) return; // over the connection cap: answered 503 already
    // On the ServerResponse itself, so every answer carries them: errors, 429s, the 500 below.
    cors?.decorate(req, res);
    if (cors?.preflight(req, res)) {
      metrics.countRequest('preflight', res.statusCode);
      return;
    }
    const controller = new AbortController();
    // Lets the handler stop work for a caller that went away.
    res.on('close', () => {
      if (!res.writableFinished) controller.abort();
    });
    try {
      const request = toFetchRequest(req, origin, controller.signal);
      // After the body stream exists (it paused the request), so watching chunks starts no flow.
      if (request !== null) watchBodyIdle(req, bodyIdleTimeoutMs, () => metrics.countClosed('body_idle'));
      const address = clientAddress(req.socket.remoteAddress, req.headers['x-forwarded-for'], hops);
      const response =
        request === null
          ? errorBody('bad_request', 'The request target must be a path such as /sync/pull.')
          : await route(request, address);
      const pathname = request === null ? null : new URL(request.url).pathname;
      const label = routeLabel(pathname, response.status, knownRoutes);
      metrics.countRequest(label, response.status);
      const outcomes = pushOutcomes(response);
      if (outcomes !== undefined) metrics.countMutations(outcomes);
      // Tell keep-alive clients not to reuse a connection of a listener that is shutting down, or
      // one whose request body was answered unread (over the cap, refused before reading): it
      // would wait paused behind the body forever, holding the socket and its buffers. Node
      // closes the connection once the answer is out.
      if (closing || !req.complete) res.setHeader('connection', 'close');
      const method = req.method ?? 'GET';
      const sent =
        compression === false
          ? response
          : await compressResponse(
              response,
              { method, acceptEncoding: req.headers['accept-encoding'] ?? null },
              compression,
            );
      await writeFetchResponse(sent, res, method);
    } catch (error) {
      if (res.destroyed || controller.signal.aborted) return; // the caller hung up mid-answer
      const requestId = crypto.randomUUID();
      // The path only: a query string may carry secrets.
      const path = (req.url ?? '').split('?')[0];
      safeLog(
        logger,
        'error',
        { requestId, method: req.method, path, status: 500, error: errorFields(error) },
        `${req.method} ${path} failed while answering: ${describeError(error)}`,
      );
      if (res.headersSent) {
        res.destroy();
      } else {
        metrics.countRequest('other', 500);
        const body = JSON.stringify({
          error: { code: 'internal', message: INTERNAL_MESSAGE, details: { requestId } },
        });
        res
          .writeHead(500, { 'content-type': 'application/json; charset=utf-8', 'x-request-id': requestId })
          .end(body);
      }
    }
  }

  const httpServer = createServer(
    {
      headersTimeout: headersTimeoutMs,
      // node's requestTimeout is a total: it would cut a large push on a slow link. The body's
      // idle timeout (watchBodyIdle) replaces it.
      requestTimeout: 0,
      // How often node looks for requests past headersTimeout (its default, 30 s, would let a
      // stalled request live far longer than the timeout).
      connectionsCheckingInterval: Math.max(25, Math.min(1000, Math.floor(headersTimeoutMs / 4))),
    },
    (req, res) => {
      void serve(req, res).finally(() => {
        if (closing) httpServer.closeIdleConnections();
      });
    },
  );
  const refused =
    options.maxConnectionsPerIp === undefined
      ? null
      : capConnections(httpServer, options.maxConnectionsPerIp, () => metrics.countClosed('connection_cap'));

  await new Promise<void>((resolve, reject) => {
    const onError = (error: NodeJS.ErrnoException) => {
      const message =
        error.code === 'EADDRINUSE'
          ? `Port ${options.port} on ${host} is already in use (EADDRINUSE): another process, perhaps another Syncline server, is listening on ${host}:${options.port}. Stop that process, or choose another port (the \`port\` option of listen(), \`--port\` of \`syncline serve\`; 0 picks a free one).`
          : error.code === 'EACCES'
            ? `Not allowed to listen on ${host}:${options.port} (EACCES): ports below 1024 need privileges. Choose a port above 1023, e.g. 8787.`
            : `Could not listen on ${host}:${options.port}: ${error.message}`;
      reject(new SynclineError('unavailable', message, { cause: error }));
    };
    httpServer.once('error', onError);
    httpServer.listen(options.port, host, () => {
      httpServer.off('error', onError);
      resolve();
    });
  });
  // Later socket-level errors must not crash the process.
  httpServer.on('error', (error) => report(error));
  const realtime =
    options.realtime === false
      ? null
      : attachRealtime(httpServer, server, {
          ...(typeof options.realtime === 'object' ? options.realtime : {}),
          rejectOtherUpgrades: true,
          ...(cors === null ? {} : { allowOrigin: cors.allows }),
        });

  const port = (httpServer.address() as AddressInfo).port;
  origin = `http://${urlHost(host)}:${port}`;
  safeLog(logger, 'info', { url: origin, host, port }, `listening at ${origin}`);

  let closed: Promise<void> | null = null;
  return {
    url: origin,
    port,
    close() {
      closed ??= (async () => {
        closing = true;
        // Upgraded sockets are no longer the http server's: they are closed (1001) first.
        await realtime?.close();
        const drained = new Promise<void>((resolve) => httpServer.close(() => resolve()));
        httpServer.closeIdleConnections();
        const force = setTimeout(() => httpServer.closeAllConnections(), shutdownTimeoutMs);
        try {
          await drained;
        } finally {
          clearTimeout(force);
        }
        await server.close();
      })();
      return closed;
    },
  };
}

/** A timeout option in ms, or a TypeError naming it. */
function checkTimeout(ms: number, name: string, min: number): number {
  if (!Number.isInteger(ms) || ms < min) {
    throw new TypeError(
      `${name} must be a whole number of milliseconds of at least ${min}, got ${String(ms)}.`,
    );
  }
  return ms;
}

function describeError(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/** The host as it appears in a URL; the unspecified address is reached through loopback. */
function urlHost(host: string): string {
  if (host === '0.0.0.0' || host === '') return '127.0.0.1';
  if (host === '::') return '[::1]';
  return host.includes(':') ? `[${host}]` : host;
}
