import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import type { SyncServer } from '@syncline/server';
import type { Bundle } from './build.ts';

export interface TestOrigin {
  /** e.g. `http://127.0.0.1:40123` */
  url: string;
  /** While true, sync requests fail at the TCP level (the server is "unreachable"), as in a real outage. */
  down: boolean;
  close(): Promise<void>;
}

async function toRequest(req: IncomingMessage, origin: string): Promise<Request> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  const headers = new Headers();
  for (const [k, v] of Object.entries(req.headers)) if (typeof v === 'string') headers.set(k, v);
  const method = req.method ?? 'GET';
  return new Request(new URL(req.url ?? '/', origin), {
    method,
    headers,
    ...(method === 'GET' || method === 'HEAD' ? {} : { body: Buffer.concat(chunks) }),
  });
}

async function write(res: ServerResponse, response: Response): Promise<void> {
  const headers: Record<string, string> = {};
  response.headers.forEach((v, k) => {
    headers[k] = v;
  });
  res.writeHead(response.status, headers).end(Buffer.from(await response.arrayBuffer()));
}

/**
 * One loopback origin for a browser test: the bundled pages at their paths, and the sync
 * server under `/sync` (same origin, so no CORS and the service worker's fetches are ordinary).
 */
export async function serveOrigin(files: Bundle, sync: SyncServer | null): Promise<TestOrigin> {
  const sockets = new Set<Socket>();
  let origin = '';
  const state = { down: false };
  const server = createServer((req, res) => {
    const path = new URL(req.url ?? '/', 'http://x').pathname;
    if (path.startsWith('/sync/') && sync) {
      if (state.down) {
        req.socket.destroy();
        return;
      }
      toRequest(req, origin)
        .then((r) => sync.handler(r))
        .then((r) => write(res, r))
        .catch(() => res.destroy());
      return;
    }
    const file = files.get(path);
    if (!file) {
      res.writeHead(404).end();
      return;
    }
    res
      .writeHead(200, {
        'content-type': file.type,
        'cache-control': 'no-store',
        'service-worker-allowed': '/',
      })
      .end(file.body);
  });
  server.on('connection', (s) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    url: origin,
    get down() {
      return state.down;
    },
    set down(v: boolean) {
      state.down = v;
      // Cut kept-alive connections too, so nothing slips through an open socket.
      if (v) for (const s of sockets) s.destroy();
    },
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}
