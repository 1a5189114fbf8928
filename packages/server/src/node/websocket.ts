/**
 * The realtime socket on a Node http server, through the `ws` package: upgrades of
 * `<basePath>/ws` are handed to the sync server's realtime hub. `listen()` uses it; an app that
 * mounts the Fetch handler in its own framework calls {@link attachRealtime} on its server.
 */
import type { IncomingMessage, Server } from 'node:http';
import type { Duplex } from 'node:stream';
import { SOCKET_CLOSE } from '@syncline/core';
import { type RawData, WebSocket, WebSocketServer } from 'ws';
import type { SyncServer } from '../api.ts';

/** Options of {@link attachRealtime}. */
export interface AttachRealtimeOptions {
  /** Largest frame a client may send, in bytes (default 16 KiB: a hello with many collections fits). */
  maxPayloadBytes?: number;
  /**
   * Answer upgrades of other paths with 404 (default false: they are left to other `upgrade`
   * listeners, e.g. a dev server's hot reload).
   */
  rejectOtherUpgrades?: boolean;
  /**
   * Which pages may open the socket: called with the upgrade's `Origin` (undefined when it has
   * none, e.g. a native app or a server); false answers 403. Default: any. `listen()` passes its
   * CORS allow-list (`cors.origins`), so a page the API refuses cannot open the socket either.
   */
  allowOrigin?: (origin: string | undefined) => boolean;
}

/** The realtime side attached to an http server. */
export interface RealtimeAttachment {
  /** The path served, e.g. `/sync/ws`. */
  readonly path: string;
  /** Stops taking upgrades and closes every socket with 1001. The http server keeps running. */
  close(): Promise<void>;
}

/**
 * Serves `server`'s realtime socket (`<basePath>/ws`) on a Node http server — for apps that mount
 * `server.handler` in their own framework (Express, Fastify, Hono on Node…). `listen()` does this
 * by itself. Answers null when the server has no realtime hub (realtime off, or a store without a
 * change feed).
 *
 * @example
 * const sync = createSyncServer({ schema, rules, store, auth });
 * const httpServer = http.createServer(expressApp); // expressApp mounts sync.handler under /sync
 * attachRealtime(httpServer, sync);
 * httpServer.listen(8787);
 */
export function attachRealtime(
  httpServer: Server,
  server: SyncServer,
  options: AttachRealtimeOptions = {},
): RealtimeAttachment | null {
  const hub = server.realtime;
  if (!hub) return null;
  const wss = new WebSocketServer({
    noServer: true,
    // Pokes are tiny; compression would cost memory per socket (and is a known attack surface).
    perMessageDeflate: false,
    maxPayload: options.maxPayloadBytes ?? 16 * 1024,
  });
  let closed = false;

  function onUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer): void {
    const path = (req.url ?? '').split('?')[0];
    if (path !== hub!.path) {
      if (options.rejectOtherUpgrades) refuse(socket, 404, 'Not Found');
      return;
    }
    if (closed) {
      refuse(socket, 503, 'Service Unavailable');
      return;
    }
    if (options.allowOrigin && !options.allowOrigin(req.headers.origin)) {
      refuse(socket, 403, 'Forbidden');
      return;
    }
    wss.handleUpgrade(req, socket, head, (ws) => serveSocket(ws));
  }

  function serveSocket(ws: WebSocket): void {
    const session = hub!.accept({
      send: (text) => ws.send(text),
      close: (code, reason) => ws.close(code, reason),
      bufferedAmount: () => ws.bufferedAmount,
      terminate: () => ws.terminate(),
    });
    ws.on('message', (data: RawData, isBinary: boolean) => {
      session.message(isBinary ? null : rawText(data));
    });
    ws.on('close', () => session.closed());
    // A frame over maxPayload (1009, SOCKET_CLOSE.messageTooBig) or a broken frame (1002): ws
    // closes the socket itself and reports here.
    ws.on('error', () => {
      session.closed();
      if (ws.readyState === WebSocket.OPEN) ws.close(SOCKET_CLOSE.badMessage, 'Broken frame.');
    });
  }

  httpServer.on('upgrade', onUpgrade);
  return {
    path: hub.path,
    async close() {
      if (closed) return;
      closed = true;
      httpServer.off('upgrade', onUpgrade);
      await hub.close();
      // Let the close frames (1001) go out; a peer that does not answer them is cut after a second.
      const pending = [...wss.clients].filter((ws) => ws.readyState !== WebSocket.CLOSED);
      await new Promise<void>((resolve) => {
        let left = pending.length;
        if (left === 0) return resolve();
        const timer = setTimeout(resolve, 1000);
        for (const ws of pending)
          ws.once('close', () => {
            if (--left === 0) {
              clearTimeout(timer);
              resolve();
            }
          });
      });
      for (const ws of wss.clients) ws.terminate();
      await new Promise<void>((resolve) => wss.close(() => resolve()));
    },
  };
}

function rawText(data: RawData): string {
  if (Array.isArray(data)) return Buffer.concat(data).toString('utf8');
  return Buffer.isBuffer(data) ? data.toString('utf8') : Buffer.from(data).toString('utf8');
}

function refuse(socket: Duplex, status: number, text: string): void {
  socket.end(`HTTP/1.1 ${status} ${text}\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`);
}
