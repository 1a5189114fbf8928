/**
 * A {@link Transport} over `node:http` / `node:https` for clients running in Node (Electron's main
 * process, scripts, servers syncing as a client). Measured on loopback (decision 0034): a POST
 * round trip through `fetch` took 0.45–0.7 ms and 0.6–1.0 ms of the client's CPU, through
 * `http.request` 0.19–0.28 ms and 0.22–0.31 ms: `fetch` streams the body (its headers and body go
 * out in separate writes) and builds WHATWG Request/Response/stream objects per request. Here the
 * headers and the JSON body leave in one write, on a kept-alive socket with Nagle off.
 */
import http from 'node:http';
import https from 'node:https';
import { promisify } from 'node:util';
import zlib from 'node:zlib';
import { SynclineError } from '@syncline/core';
import type { Transport, TransportResponse } from './transport.ts';

/** Options of {@link nodeTransport}. */
export interface NodeTransportOptions {
  /** The agent for the requests (default: one kept-alive agent per transport). */
  agent?: http.Agent;
}

const decoders: Record<string, (b: Buffer) => Promise<Buffer>> = {
  gzip: promisify(zlib.gunzip),
  deflate: promisify(zlib.inflate),
  br: promisify(zlib.brotliDecompress),
};

/**
 * A {@link Transport} for Node: `baseUrl` is the mount path, e.g. `http://127.0.0.1:8787/sync`.
 * Accepts compressed answers (gzip, deflate, br) like `fetch`.
 *
 * @example
 * import { nodeTransport } from '@syncline/client/node';
 * const client = createClient({ schema, store, url, transport: nodeTransport(url), realtime: { WebSocket } });
 */
export function nodeTransport(baseUrl: string, options: NodeTransportOptions = {}): Transport {
  const base = new URL(baseUrl.replace(/\/+$/, ''));
  const lib = base.protocol === 'https:' ? https : http;
  const agent = options.agent ?? new lib.Agent({ keepAlive: true });
  const prefix = base.pathname.replace(/\/+$/, '');
  return {
    request(path, init) {
      return new Promise<TransportResponse>((resolve, reject) => {
        const headers: Record<string, string | number> = {
          accept: 'application/json',
          'accept-encoding': 'gzip, deflate, br',
        };
        if (init.token !== null) headers.authorization = `Bearer ${init.token}`;
        const body = init.body === undefined ? undefined : Buffer.from(JSON.stringify(init.body));
        if (body) {
          headers['content-type'] = 'application/json';
          headers['content-length'] = body.length;
        }
        const signal = init.signal;
        const aborted = () =>
          new SynclineError('aborted', 'The sync request was cancelled.', { cause: signal?.reason });
        if (signal?.aborted) return reject(aborted());
        let settled = false;
        const fail = (cause: unknown) => {
          if (settled) return;
          settled = true;
          signal?.removeEventListener('abort', onAbort);
          if (signal?.aborted) return reject(aborted());
          reject(
            new SynclineError(
              'network',
              'Could not reach the sync server. Your changes are saved on this device and will be sent when the connection is back.',
              { cause, retryable: true },
            ),
          );
        };
        const req = lib.request(
          {
            protocol: base.protocol,
            hostname: base.hostname,
            port: base.port,
            path: prefix + path,
            method: init.method,
            headers,
            agent,
          },
          (res) => {
            const chunks: Buffer[] = [];
            res.on('data', (c: Buffer) => chunks.push(c));
            res.on('error', fail);
            res.on('end', () => {
              void answer(res, Buffer.concat(chunks)).then((r) => {
                if (settled) return;
                settled = true;
                signal?.removeEventListener('abort', onAbort);
                resolve(r);
              }, fail);
            });
          },
        );
        const onAbort = () =>
          req.destroy(signal?.reason instanceof Error ? signal.reason : new Error('aborted'));
        signal?.addEventListener('abort', onAbort, { once: true });
        req.on('error', fail);
        req.on('socket', (socket) => socket.setNoDelay(true));
        req.end(body);
      });
    },
  };
}

/** The answer as a {@link TransportResponse}: decoded, parsed; a non-JSON body becomes null. */
async function answer(res: http.IncomingMessage, raw: Buffer): Promise<TransportResponse> {
  const headers: Record<string, string> = {};
  for (const [k, v] of Object.entries(res.headers)) {
    if (v !== undefined) headers[k.toLowerCase()] = Array.isArray(v) ? v.join(', ') : v;
  }
  const decode = decoders[(headers['content-encoding'] ?? '').trim().toLowerCase()];
  let body: unknown = null;
  try {
    const text = (decode ? await decode(raw) : raw).toString('utf8');
    body = text ? JSON.parse(text) : null;
  } catch {
    body = null;
  }
  return { status: res.statusCode ?? 0, body, headers };
}
