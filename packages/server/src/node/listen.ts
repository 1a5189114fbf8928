import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { REQUEST_ERROR_STATUS, type RequestErrorCode, SynclineError } from '@syncline/core';
import type { SyncServer } from '../api.ts';
import { answerFailure } from '../handler/failures.ts';
import { errorFields, requestIdOf, safeLog, silentLogger } from '../handler/logger.ts';
import { pushOutcomes } from '../handler/push/outcomes.ts';
import { jsonResponse, toFetchRequest, writeFetchResponse } from './convert.ts';
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

export interface ListenOptions {
  /** TCP port; 0 picks a free one (read it from the result). */
  port: number;
  /** Interface to bind; default `127.0.0.1` (loopback only). Use `0.0.0.0` to serve the network. */
  host?: string;
  extraRoutes?: readonly ExtraRoute[];
  /** How long `close()` lets in-flight requests run before cutting connections; default 10 s. */
  shutdownTimeoutMs?: number;
  /** How long `/readyz` waits for the store; default 2 s. */
  healthTimeoutMs?: number;
  /**
   * Serve `GET /metrics` in Prometheus text format (request counters by route and status, push
   * outcomes, uptime and, on PostgreSQL, the xid watermark lag); default true. Put it behind your
   * network's access control: it tells load, not data.
   */
  metrics?: boolean;
  /**
   * The realtime socket `<basePath>/ws` (protocol 3): on by default whenever the sync server has
   * a realtime hub (its store has a change feed; both built-in stores do). false turns it off;
   * an object sets its frame limit. Heartbeats and timeouts are `createSyncServer({ realtime })`.
   */
  realtime?: boolean | Omit<AttachRealtimeOptions, 'rejectOtherUpgrades'>;
}

export interface Listener {
  /** Base URL without a trailing slash, e.g. `http://127.0.0.1:8787`. */
  readonly url: string;
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
  const metricsOn = options.metrics ?? true;
  const metrics = createListenerMetrics();
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

  async function route(request: Request): Promise<Response> {
    const { pathname } = new URL(request.url);
    const probe = request.method === 'GET' || request.method === 'HEAD';
    // Liveness answers without the store: a database blip must not make an orchestrator restart
    // every instance. Readiness is the store check: 503 while it cannot serve, 200 again after.
    if (pathname === '/healthz' && probe) return jsonResponse(200, { ok: true });
    if (pathname === '/readyz' && probe) return ready(request);
    if (metricsOn && pathname === '/metrics' && (request.method === 'GET' || request.method === 'HEAD'))
      return renderMetrics();
    const extra = routes.find((r) => r.path === pathname && r.method === request.method);
    try {
      return extra ? await extra.handler(request) : await server.handler(request);
    } catch (error) {
      // The handler answers its own errors; a throw here is from an extra route or a bug, answered
      // (and logged, and reported) the handler's way.
      return answerError(error, request);
    }
  }

  async function serve(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const controller = new AbortController();
    // Lets the handler stop work for a caller that went away.
    res.on('close', () => {
      if (!res.writableFinished) controller.abort();
    });
    try {
      const request = toFetchRequest(req, origin, controller.signal);
      const response =
        request === null
          ? errorBody('bad_request', 'The request target must be a path such as /sync/pull.')
          : await route(request);
      const pathname = request === null ? null : new URL(request.url).pathname;
      const label = routeLabel(pathname, response.status, knownRoutes);
      metrics.countRequest(label, response.status);
      const outcomes = pushOutcomes(response);
      if (outcomes !== undefined) metrics.countMutations(outcomes);
      // Tell keep-alive clients not to reuse a connection of a listener that is shutting down.
      if (closing) res.setHeader('connection', 'close');
      await writeFetchResponse(response, res, req.method ?? 'GET');
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

  const httpServer = createServer((req, res) => {
    void serve(req, res).finally(() => {
      if (closing) httpServer.closeIdleConnections();
    });
  });

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

function describeError(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/** The host as it appears in a URL; the unspecified address is reached through loopback. */
function urlHost(host: string): string {
  if (host === '0.0.0.0' || host === '') return '127.0.0.1';
  if (host === '::') return '[::1]';
  return host.includes(':') ? `[${host}]` : host;
}
