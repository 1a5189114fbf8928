import { SynclineError } from '@syncline/core';

/** The routes a {@link Transport} is asked for, relative to the sync base URL. */
export type SyncPath = '/info' | '/push' | '/pull';

/** One request the engine asks a {@link Transport} to make. */
export interface TransportRequest {
  /** `GET` for `/info`, `POST` for push and pull. */
  method: 'GET' | 'POST';
  /** JSON-serialisable body (POST only). */
  body?: unknown;
  /** Bearer token, or null to send no Authorization header. */
  token: string | null;
  /** Aborts the request (it then rejects with `aborted`). */
  signal?: AbortSignal;
}

/** Any HTTP answer that reached the server (including 4xx/5xx); `body` is parsed JSON or null. */
export interface TransportResponse {
  /** The HTTP status. */
  status: number;
  /** The parsed JSON body, or null when there was none or it was not JSON. */
  body: unknown;
  /** Header names in lower case. */
  headers: Record<string, string>;
}

/**
 * How the engine reaches the server. Resolves for every HTTP answer; rejects with
 * `SynclineError('network', …, { retryable: true })` when the server could not be reached, or
 * `SynclineError('aborted')` when `signal` aborted the request.
 *
 * @example
 * const transport: Transport = fetchTransport('http://127.0.0.1:8787/sync');
 * const info = await transport.request('/info', { method: 'GET', token: null });
 */
export interface Transport {
  /** Makes one request to `<base URL><path>`; resolves with any HTTP answer. */
  request(path: SyncPath, init: TransportRequest): Promise<TransportResponse>;
}

/**
 * A {@link Transport} over `fetch`. `baseUrl` is the mount path, e.g. `http://127.0.0.1:8787/sync`.
 *
 * @example
 * const client = createClient({ schema, store, transport: fetchTransport('https://api.example.com/sync') });
 */
export function fetchTransport(baseUrl: string, fetchImpl: typeof fetch = fetch): Transport {
  const base = baseUrl.replace(/\/+$/, '');
  return {
    async request(path, init) {
      const headers: Record<string, string> = { accept: 'application/json' };
      if (init.token !== null) headers.authorization = `Bearer ${init.token}`;
      if (init.body !== undefined) headers['content-type'] = 'application/json';
      let res: Response;
      try {
        res = await fetchImpl(base + path, {
          method: init.method,
          headers,
          ...(init.body === undefined ? {} : { body: JSON.stringify(init.body) }),
          ...(init.signal ? { signal: init.signal } : {}),
        });
      } catch (cause) {
        if (init.signal?.aborted)
          throw new SynclineError('aborted', 'The sync request was cancelled.', { cause });
        throw new SynclineError(
          'network',
          'Could not reach the sync server. Your changes are saved on this device and will be sent when the connection is back.',
          { cause, retryable: true },
        );
      }
      return readResponse(res);
    },
  };
}

/** Turns a fetch `Response` into a {@link TransportResponse}; a non-JSON body becomes null. */
export async function readResponse(res: Response): Promise<TransportResponse> {
  const headers: Record<string, string> = {};
  res.headers.forEach((v, k) => {
    headers[k.toLowerCase()] = v;
  });
  let body: unknown = null;
  try {
    const text = await res.text();
    body = text ? JSON.parse(text) : null;
  } catch {
    body = null;
  }
  return { status: res.status, body, headers };
}
