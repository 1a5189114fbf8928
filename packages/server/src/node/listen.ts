import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { REQUEST_ERROR_STATUS, type RequestErrorCode, SynclineError } from '@syncline/core';
import type { SyncServer } from '../api.ts';
import { jsonResponse, toFetchRequest, writeFetchResponse } from './convert.ts';
import { createListenerMetrics, pushStatuses, routeLabel } from './metrics.ts';
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
  /** How long `/healthz` and `/readyz` wait for the store; default 2 s. */
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
  /**
   * Told about unexpected errors (answered with 500). The listener never logs by itself;
   * the CLI passes a function that prints.
   */
  onError?: (error: unknown) => void;
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
 * Serves a {@link SyncServer} over node:http: `GET /healthz`, `GET /metrics`, the extra routes, and everything
 * else through `server.handler`. Unexpected errors become 500 `internal` answers, never a crash.
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
  const report = (error: unknown) => {
    try {
      options.onError?.(error);
    } catch {
      // A failing reporter must not turn one bad request into a crash.
    }
  };

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

  async function health(): Promise<Response> {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(
        () => reject(new Error(`the store did not answer within ${healthTimeoutMs} ms`)),
        healthTimeoutMs,
      );
    });
    try {
      await Promise.race([server.store.read((db) => db.all('SELECT 1 AS ok')), timeout]);
      return jsonResponse(200, { ok: true });
    } catch (error) {
      report(error);
      const detail = error instanceof Error ? error.message : String(error);
      return jsonResponse(503, {
        ok: false,
        error: { code: 'unavailable', message: `The database is not answering: ${detail}.` },
      });
    } finally {
      clearTimeout(timer);
    }
  }

  async function route(request: Request): Promise<Response> {
    const { pathname } = new URL(request.url);
    // `/readyz` is the same check under the name load balancers and Kubernetes probe for
    // readiness: 503 while the database does not answer (restarting, failing over), 200 again after.
    if (
      (pathname === '/healthz' || pathname === '/readyz') &&
      (request.method === 'GET' || request.method === 'HEAD')
    )
      return health();
    if (metricsOn && pathname === '/metrics' && (request.method === 'GET' || request.method === 'HEAD'))
      return renderMetrics();
    const extra = routes.find((r) => r.path === pathname && r.method === request.method);
    try {
      return extra ? await extra.handler(request) : await server.handler(request);
    } catch (error) {
      // The handler answers its own errors; a throw here is either a typed request error or a bug.
      if (
        error instanceof SynclineError &&
        Object.hasOwn(REQUEST_ERROR_STATUS, error.code) &&
        error.code !== 'internal'
      ) {
        return errorBody(error.code as RequestErrorCode, error.message);
      }
      report(error);
      return errorBody('internal', INTERNAL_MESSAGE);
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
      if (label !== 'other' && label.endsWith('/push') && response.status === 200 && response.body !== null) {
        // A copy of the small JSON answer, read alongside the write: outcomes without a handler hook.
        response
          .clone()
          .json()
          .then((body) => metrics.countMutations(pushStatuses(body)))
          .catch(() => {});
      }
      // Tell keep-alive clients not to reuse a connection of a listener that is shutting down.
      if (closing) res.setHeader('connection', 'close');
      await writeFetchResponse(response, res, req.method ?? 'GET');
    } catch (error) {
      if (res.destroyed || controller.signal.aborted) return; // the caller hung up mid-answer
      report(error);
      if (res.headersSent) {
        res.destroy();
      } else {
        metrics.countRequest('other', 500);
        const body = JSON.stringify({ error: { code: 'internal', message: INTERNAL_MESSAGE } });
        res.writeHead(500, { 'content-type': 'application/json; charset=utf-8' }).end(body);
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
          ? `Port ${options.port} on ${host} is already in use. Stop the other process or pick another port with --port.`
          : error.code === 'EACCES'
            ? `Not allowed to listen on ${host}:${options.port}. Pick a port above 1023.`
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
  httpServer.on('error', report);
  const realtime =
    options.realtime === false
      ? null
      : attachRealtime(httpServer, server, {
          ...(typeof options.realtime === 'object' ? options.realtime : {}),
          rejectOtherUpgrades: true,
        });

  const port = (httpServer.address() as AddressInfo).port;
  origin = `http://${urlHost(host)}:${port}`;

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

/** The host as it appears in a URL; the unspecified address is reached through loopback. */
function urlHost(host: string): string {
  if (host === '0.0.0.0' || host === '') return '127.0.0.1';
  if (host === '::') return '[::1]';
  return host.includes(':') ? `[${host}]` : host;
}
