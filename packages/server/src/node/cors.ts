/**
 * CORS for the Node listener: an allow-list of origins. A preflight from a listed origin is
 * answered 204; every answer to a listed origin (errors and 429s included) carries
 * `Access-Control-Allow-Origin` and exposes `Retry-After` and `x-request-id`; an origin not on the
 * list gets no CORS header at all, so the browser keeps the answer from the page.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';

/** The `cors` option of `listen()`. */
export interface CorsOptions {
  /**
   * Origins whose pages may call the API, each exactly `scheme://host[:port]` as browsers send it
   * (`https://app.example.com`, `http://localhost:5173`), or `'*'` for any origin. The realtime
   * socket refuses an upgrade whose `Origin` is not on this list (403).
   */
  origins: readonly string[];
  /** How long a browser may cache a preflight answer (`Access-Control-Max-Age`); default 600 s. */
  maxAgeSeconds?: number;
}

/** What the listener asks of its CORS settings. */
export interface Cors {
  /** Whether a page of `origin` may call; a request without `Origin` (not a browser page) may. */
  allows(origin: string | undefined): boolean;
  /** Sets the CORS headers of an ordinary answer on `res`, before anything is written. */
  decorate(req: IncomingMessage, res: ServerResponse): void;
  /** Answers a preflight (`OPTIONS` with `Access-Control-Request-Method`); false for any other request. */
  preflight(req: IncomingMessage, res: ServerResponse): boolean;
}

export const ALLOWED_METHODS = 'GET, HEAD, POST';
export const ALLOWED_HEADERS = 'authorization, content-type, x-request-id';
export const EXPOSED_HEADERS = 'Retry-After, x-request-id';

/**
 * Checks the options (throws a TypeError naming the bad origin) and builds the CORS side.
 *
 * @example
 * const cors = createCors({ origins: ['https://app.example.com'] });
 * cors.allows('https://evil.example'); // false
 */
export function createCors(options: CorsOptions): Cors {
  if (!Array.isArray(options.origins)) {
    throw new TypeError('cors.origins must be an array of origins, e.g. ["https://app.example.com"].');
  }
  const any = options.origins.includes('*');
  const listed = new Set(options.origins.filter((origin) => origin !== '*').map(checkOrigin));
  const maxAge = options.maxAgeSeconds ?? 600;
  if (!Number.isInteger(maxAge) || maxAge < 0) {
    throw new TypeError(`cors.maxAgeSeconds must be a whole number of seconds, got ${String(maxAge)}.`);
  }
  const allowed = (origin: string) => any || listed.has(origin);
  const originOf = (req: IncomingMessage) => {
    const origin = req.headers.origin;
    return typeof origin === 'string' ? origin : undefined;
  };

  function allowHeaders(res: ServerResponse, origin: string): void {
    res.setHeader('access-control-allow-origin', any ? '*' : origin);
    if (!any) res.setHeader('vary', 'Origin');
  }

  return {
    allows: (origin) => origin === undefined || allowed(origin),
    decorate(req, res) {
      const origin = originOf(req);
      if (origin === undefined || !allowed(origin)) {
        // Caches must not serve this answer to a listed origin (or the other way round).
        if (!any) res.setHeader('vary', 'Origin');
        return;
      }
      allowHeaders(res, origin);
      res.setHeader('access-control-expose-headers', EXPOSED_HEADERS);
    },
    preflight(req, res) {
      if (req.method !== 'OPTIONS' || req.headers['access-control-request-method'] === undefined)
        return false;
      const origin = originOf(req);
      if (origin === undefined || !allowed(origin)) {
        const body = JSON.stringify({
          error: {
            code: 'forbidden',
            message: `Pages of origin ${JSON.stringify(origin ?? '')} may not call this server: it is not in the server's CORS origins (--cors-origin).`,
          },
        });
        if (!any) res.setHeader('vary', 'Origin');
        res.writeHead(403, {
          'content-type': 'application/json; charset=utf-8',
          'cache-control': 'no-store',
        });
        res.end(body);
        return true;
      }
      allowHeaders(res, origin);
      res.setHeader('access-control-allow-methods', ALLOWED_METHODS);
      res.setHeader('access-control-allow-headers', ALLOWED_HEADERS);
      res.setHeader('access-control-max-age', String(maxAge));
      res.writeHead(204).end();
      return true;
    },
  };
}

/** An allow-list entry as browsers send it in `Origin`, or a TypeError saying how to write it. */
function checkOrigin(entry: string): string {
  let origin: string | undefined;
  try {
    origin = new URL(entry).origin;
  } catch {
    origin = undefined;
  }
  if (origin === undefined || origin === 'null' || origin !== entry) {
    throw new TypeError(
      `CORS origin ${JSON.stringify(entry)} is not an origin: write scheme://host[:port] without a path or trailing slash, e.g. "https://app.example.com"${origin && origin !== 'null' ? ` (did you mean "${origin}"?)` : ''}.`,
    );
  }
  return origin;
}
