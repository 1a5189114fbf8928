/**
 * A protocol-level realtime client for tests: a real `ws` socket that records what the server
 * sends, so a test awaits the message or the close it expects instead of sleeping.
 */
import { PROTOCOL_VERSION, type ServerSocketMessage } from '@syncline/core';
import { WebSocket } from 'ws';

export interface TestSocket {
  readonly ws: WebSocket;
  /** Every message received, in order. */
  readonly received: ServerSocketMessage[];
  /** The next not-yet-taken message of `type` (waits for it; fails after `timeoutMs`). */
  next<T extends ServerSocketMessage['type']>(
    type: T,
    timeoutMs?: number,
  ): Promise<Extract<ServerSocketMessage, { type: T }>>;
  /** Resolves with the close code and reason, and the time (performance.now()) it arrived. */
  readonly closed: Promise<{ code: number; reason: string; at: number }>;
  send(message: unknown): void;
  /** Sends hello and waits for welcome. */
  hello(opts: { clientId: string; token: string; collections: string[]; protocol?: number }): Promise<void>;
  /** Answers every ping with pong (on by default after hello). */
  autoPong: boolean;
  close(): void;
}

/** Opens a socket to `url` (ws://…/sync/ws) and resolves once it is open. */
export async function openSocket(url: string): Promise<TestSocket> {
  const ws = new WebSocket(url, { perMessageDeflate: false });
  const received: ServerSocketMessage[] = [];
  const taken = new Set<number>();
  const waiters: Array<() => void> = [];
  const wake = () => {
    for (const w of waiters.splice(0)) w();
  };
  const closed = new Promise<{ code: number; reason: string; at: number }>((resolve) => {
    ws.on('close', (code, reason) => {
      resolve({ code, reason: reason.toString(), at: performance.now() });
      wake();
    });
  });
  const socket: TestSocket = {
    ws,
    received,
    closed,
    autoPong: true,
    send: (message) => ws.send(typeof message === 'string' ? message : JSON.stringify(message)),
    async next(type, timeoutMs = 20_000) {
      const deadline = performance.now() + timeoutMs;
      for (;;) {
        const i = received.findIndex((m, j) => !taken.has(j) && m.type === type);
        if (i >= 0) {
          taken.add(i);
          return received[i] as never;
        }
        if (ws.readyState === WebSocket.CLOSED) throw new Error(`socket closed while waiting for ${type}`);
        const left = deadline - performance.now();
        if (left <= 0) throw new Error(`no ${type} within ${timeoutMs} ms`);
        await new Promise<void>((resolve) => {
          const timer = setTimeout(resolve, left);
          waiters.push(() => {
            clearTimeout(timer);
            resolve();
          });
        });
      }
    },
    async hello(opts) {
      socket.send({
        type: 'hello',
        protocol: opts.protocol ?? PROTOCOL_VERSION,
        clientId: opts.clientId,
        token: opts.token,
        collections: opts.collections,
      });
      await socket.next('welcome');
    },
    close: () => ws.close(1000),
  };
  ws.on('message', (data) => {
    const msg = JSON.parse(data.toString()) as ServerSocketMessage;
    received.push(msg);
    if (msg.type === 'ping' && socket.autoPong && ws.readyState === WebSocket.OPEN)
      ws.send(JSON.stringify({ type: 'pong' }));
    wake();
  });
  await new Promise<void>((resolve, reject) => {
    ws.once('open', () => resolve());
    ws.once('error', reject);
  });
  return socket;
}

/** `http://host:port` → `ws://host:port/sync/ws`. */
export const wsUrl = (httpUrl: string, path = '/sync/ws') => `${httpUrl.replace(/^http/, 'ws')}${path}`;
