/**
 * Test support: an in-memory WebSocket for the realtime socket's unit tests. Each socket the
 * client constructs is recorded; the test plays the server (`accept`, `message`, `serverClose`)
 * and reads what the client sent. Nothing happens on its own: no timers, no I/O.
 */
import type { ServerSocketMessage } from '@syncline/core';
import type { WebSocketConstructor, WebSocketLike } from '../src/sync/socket.ts';

type Handler = ((event: never) => void) | null;

export class FakeSocket implements WebSocketLike {
  onopen: Handler = null;
  onmessage: Handler = null;
  onclose: Handler = null;
  onerror: Handler = null;
  /** Parsed frames the client sent, in order. */
  readonly sent: Array<{ type: string; [k: string]: unknown }> = [];
  /** The code the client closed with, or null while it has not. */
  closedWith: number | null = null;

  constructor(readonly url: string) {}

  send(data: string): void {
    if (this.closedWith !== null) throw new Error('send on a closed socket');
    this.sent.push(JSON.parse(data));
  }

  close(code = 1005): void {
    this.closedWith ??= code;
  }

  /** The upgrade succeeded. */
  accept(): void {
    (this.onopen as ((e: object) => void) | null)?.({});
  }

  /** A frame from the server (a message object, or raw text). */
  message(msg: ServerSocketMessage | string): void {
    const data = typeof msg === 'string' ? msg : JSON.stringify(msg);
    (this.onmessage as ((e: { data: string }) => void) | null)?.({ data });
  }

  /** The server (or the network: 1006) closed the socket. */
  serverClose(code: number, reason = ''): void {
    (this.onclose as ((e: { code: number; reason: string }) => void) | null)?.({ code, reason });
  }

  /** The types of frames sent, e.g. `['hello', 'ping']`. */
  types(): string[] {
    return this.sent.map((m) => m.type);
  }
}

/** A WebSocket constructor that records every socket made. */
export function fakeSockets(): {
  sockets: FakeSocket[];
  WebSocket: WebSocketConstructor;
  last(): FakeSocket;
} {
  const sockets: FakeSocket[] = [];
  return {
    sockets,
    WebSocket: class extends FakeSocket {
      constructor(url: string) {
        super(url);
        sockets.push(this);
      }
    },
    last: () => sockets.at(-1)!,
  };
}
