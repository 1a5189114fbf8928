/**
 * A STAND-IN for the server's realtime endpoint (`GET <base>/ws`), written from the wire contract
 * alone (`packages/core/src/protocol/socket.ts`) so that the client's socket can be tested over
 * real loopback WebSockets while the real endpoint is being built in parallel. It knows nothing
 * about data: the test decides when to poke. To be replaced by end-to-end tests against the
 * real server once both halves are merged.
 */
import {
  HELLO_TIMEOUT_MS,
  PROTOCOL_VERSION,
  type ServerSocketMessage,
  SOCKET_CLOSE,
  type SocketHello,
  socketHello,
} from '@syncline/core';
import { type WebSocket, WebSocketServer } from 'ws';

export interface StandInConnection {
  ws: WebSocket;
  hello: SocketHello;
}

export async function standInSocketServer(
  opts: {
    heartbeatMs?: number;
    /** Answers a hello's token: `true` welcomes, a close code refuses (e.g. 4401). */
    verify?: (token: string) => true | number;
  } = {},
) {
  const heartbeatMs = opts.heartbeatMs ?? 25_000;
  const wss = new WebSocketServer({ host: '127.0.0.1', port: 0, path: '/sync/ws' });
  await new Promise<void>((resolve) => wss.once('listening', resolve));
  const welcomed = new Set<StandInConnection>();
  /** Every hello received, refused or welcomed, in order. */
  const hellos: SocketHello[] = [];
  const send = (ws: WebSocket, msg: ServerSocketMessage) => ws.send(JSON.stringify(msg));

  wss.on('connection', (ws) => {
    let conn: StandInConnection | null = null;
    let silence: NodeJS.Timeout | undefined;
    let pinger: NodeJS.Timeout | undefined;
    const heard = () => {
      clearTimeout(silence);
      silence = setTimeout(() => ws.close(SOCKET_CLOSE.silent), 2 * heartbeatMs);
    };
    const helloDeadline = setTimeout(() => ws.close(SOCKET_CLOSE.badMessage), HELLO_TIMEOUT_MS);
    ws.on('message', (data, isBinary) => {
      let msg: unknown;
      try {
        msg = isBinary ? null : JSON.parse(String(data));
      } catch {
        msg = null;
      }
      if (!conn) {
        clearTimeout(helloDeadline);
        const hello = socketHello.safeParse(msg);
        if (!hello.success) return ws.close(SOCKET_CLOSE.badMessage);
        hellos.push(hello.data);
        if (hello.data.protocol !== PROTOCOL_VERSION) return ws.close(SOCKET_CLOSE.protocolUnsupported);
        const verdict = opts.verify ? opts.verify(hello.data.token) : true;
        if (verdict !== true) return ws.close(verdict);
        conn = { ws, hello: hello.data };
        welcomed.add(conn);
        send(ws, { type: 'welcome', protocol: PROTOCOL_VERSION, heartbeatMs });
        heard();
        pinger = setInterval(() => send(ws, { type: 'ping' }), heartbeatMs);
        return;
      }
      heard();
      const type = (msg as { type?: unknown } | null)?.type;
      if (type === 'ping') send(ws, { type: 'pong' });
      else if (type !== 'pong' && type !== 'auth') ws.close(SOCKET_CLOSE.badMessage);
    });
    ws.on('close', () => {
      clearTimeout(helloDeadline);
      clearTimeout(silence);
      clearInterval(pinger);
      if (conn) welcomed.delete(conn);
    });
  });

  const { port } = wss.address() as { port: number };
  return {
    url: `ws://127.0.0.1:${port}/sync/ws`,
    hellos,
    /** The open, welcomed connections. */
    get connections(): StandInConnection[] {
      return [...welcomed];
    },
    /** Pokes every welcomed connection that syncs one of `collections`. */
    poke(collections: string[]): number {
      let n = 0;
      for (const c of welcomed) {
        const named = collections.filter((x) => c.hello.collections.includes(x));
        if (named.length === 0) continue;
        send(c.ws, { type: 'poke', collections: named });
        n++;
      }
      return n;
    },
    /** Cuts every connection without a closing handshake (a dead link, a killed server). */
    cut(): void {
      for (const c of welcomed) c.ws.terminate();
    },
    close(): Promise<void> {
      for (const ws of wss.clients) ws.terminate();
      return new Promise((resolve) => wss.close(() => resolve()));
    },
  };
}
