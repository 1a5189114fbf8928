import {
  type ClientSocketMessage,
  HELLO_TIMEOUT_MS,
  PROTOCOL_VERSION,
  SOCKET_CLOSE,
  type SocketHello,
  SynclineError,
  serverSocketMessage,
  socketRetryAfterMs,
} from '@syncline/core';
import type { Backoff } from '../backoff.ts';
import { META, type SyncContext } from './context.ts';

/**
 * The part of a WebSocket the client uses. The browser's `WebSocket` and the `ws` package's
 * `WebSocket` (Node) both fit. Handlers are typed `never` so that either library's event types
 * are accepted; the client reads only `event.data` (text), `event.code` and `event.reason`.
 *
 * @example
 * const socket: WebSocketLike = new WebSocket('wss://api.example.com/sync/ws');
 */
export interface WebSocketLike {
  send(data: string): void;
  close(code?: number, reason?: string): void;
  onopen: ((event: never) => void) | null;
  onmessage: ((event: never) => void) | null;
  onclose: ((event: never) => void) | null;
  onerror: ((event: never) => void) | null;
}

/**
 * A WebSocket constructor: `globalThis.WebSocket` in browsers (and Node 22+); on Node 20 pass
 * the `ws` package's.
 *
 * @example
 * import { WebSocket } from 'ws';
 * const client = createClient({ schema, store, url, realtime: { WebSocket } });
 */
export type WebSocketConstructor = new (url: string) => WebSocketLike;

/**
 * The socket URL of a sync base URL: `http:` → `ws:`, `https:` → `wss:`, plus `/ws`. A relative
 * URL (`/sync`) is resolved against the page's location. `null` when no absolute URL results.
 *
 * @example
 * socketUrlOf('https://api.example.com/sync'); // 'wss://api.example.com/sync/ws'
 */
export function socketUrlOf(syncUrl: string): string | null {
  try {
    const base = (globalThis as { location?: { href?: string } }).location?.href;
    const u = new URL(`${syncUrl.replace(/\/+$/, '')}/ws`, base);
    if (u.protocol === 'http:') u.protocol = 'ws:';
    else if (u.protocol === 'https:') u.protocol = 'wss:';
    else if (u.protocol !== 'ws:' && u.protocol !== 'wss:') return null;
    return u.toString();
  } catch {
    return null;
  }
}

/** What the socket tells the loop and the status. */
export interface SocketDelegate {
  /** Welcomed: pull every collection once (what changed while the socket was closed had no poke). */
  welcomed(): void;
  /** The server poked: pull these collections (the loop coalesces). */
  poked(collections: readonly string[]): void;
  /**
   * `open`: welcomed and not closed since. `lost` is true when an open socket closed without
   * this side asking (the server went away or the link went silent).
   */
  changed(open: boolean, lost: boolean): void;
  /** A refusal that retrying cannot fix (4403, 4426): reported once; the socket is not tried again. */
  gaveUp(error: SynclineError): void;
}

export interface SocketOptions {
  ctx: SyncContext;
  url: string;
  WebSocket: WebSocketConstructor;
  /** The socket's own backoff (not the loop's): reconnects after a failure or a lost socket. */
  backoff: Backoff;
  delegate: SocketDelegate;
}

type State = 'idle' | 'waiting' | 'connecting' | 'open' | 'disabled';

/**
 * The realtime socket (protocol 3, `packages/core/src/protocol/socket.ts`): only wakes the
 * client; data still moves through pull. Open while `setActive(true)` (the loop runs and the
 * device is online); sends `hello`, and on `welcome` asks for one pull, then a pull per poke.
 * Pings every `heartbeatMs`, answers pings, and drops a socket silent for `2 × heartbeatMs`
 * (4408). Reconnects with jittered backoff; 4401 refreshes the token and reconnects at once
 * (once; then with backoff); 4429 waits at least the close reason's retry hint; 4403/4426 give up. States and invariants: `SPEC.md` (Realtime).
 *
 * @example
 * const socket = new RealtimeSocket({ ctx, url: 'wss://api.example.com/sync/ws', WebSocket, backoff, delegate });
 * socket.setActive(true);
 */
export class RealtimeSocket {
  private active = false;
  private state: State = 'idle';
  private ws: WebSocketLike | null = null;
  /** Reconnect timer while `waiting`; welcome deadline while `connecting`. */
  private timer: unknown = null;
  private pingTimer: unknown = null;
  private silenceTimer: unknown = null;
  private heartbeatMs = 0;
  /** The next hello asks for a fresh token (after a 4401). */
  private refresh = false;
  /** A 4401 was already answered by an immediate reconnect since the last welcome. */
  private authRetried = false;
  /** Clock time of the last welcome. */
  private openedAt = 0;
  /** The token the server last heard from this socket (hello or auth). */
  private token = '';
  /** Bumped by every connect and shutdown, so a stale async step knows it is stale. */
  private generation = 0;

  constructor(private readonly o: SocketOptions) {}

  /**
   * The client got `token` (e.g. refreshed after an HTTP 401): an open socket sends it in an
   * `auth` frame, so the server extends the connection instead of closing it with 4401 later.
   */
  tokenSeen(token: string): void {
    if (this.state !== 'open' || !this.ws || token === this.token) return;
    this.token = token;
    this.send(this.ws, { type: 'auth', token });
  }

  /** Open the socket (now, with a fresh backoff) or close it. */
  setActive(active: boolean): void {
    if (active === this.active) return;
    this.active = active;
    if (this.state === 'disabled') return;
    if (active) {
      this.o.backoff.reset();
      void this.connect();
    } else this.shutdown();
  }

  private async connect(): Promise<void> {
    this.clearTimer();
    const generation = ++this.generation;
    this.state = 'connecting';
    let hello: SocketHello;
    try {
      hello = await this.hello();
    } catch {
      // The token source or the store failed: like a failed attempt.
      if (generation === this.generation) this.closed(null, SOCKET_CLOSE.goingAway);
      return;
    }
    if (generation !== this.generation || !this.active) return;
    let ws: WebSocketLike;
    try {
      ws = new this.o.WebSocket(this.o.url);
    } catch {
      this.closed(null, SOCKET_CLOSE.goingAway);
      return;
    }
    this.ws = ws;
    ws.onopen = () => {
      this.token = hello.token;
      this.send(ws, hello);
    };
    ws.onmessage = ((event: { data: unknown }) => {
      if (this.ws === ws) this.receive(ws, event.data);
    }) as never;
    ws.onclose = ((event: { code?: number; reason?: string }) => {
      if (this.ws === ws) this.closed(ws, event.code ?? 1006, event.reason);
    }) as never;
    // An error is always followed by a close, which decides what happens next.
    ws.onerror = () => undefined;
    // Never welcomed (an upgrade a proxy holds open, a server that never answers): give up on it.
    this.timer = this.o.ctx.clock.setTimeout(() => {
      this.timer = null;
      this.drop(ws, SOCKET_CLOSE.silent);
    }, HELLO_TIMEOUT_MS);
  }

  private async hello(): Promise<SocketHello> {
    const { ctx } = this.o;
    const forceRefresh = this.refresh;
    const token = await ctx.getToken(forceRefresh);
    const clientId = await ctx.store.read((tx) => tx.getMeta<string>(META.clientId));
    this.refresh = false;
    return {
      type: 'hello',
      protocol: PROTOCOL_VERSION,
      clientId: clientId ?? 'unknown',
      token: token ?? '',
      collections: Object.keys(ctx.schema.collections),
    };
  }

  private receive(ws: WebSocketLike, data: unknown): void {
    let parsed: ReturnType<typeof serverSocketMessage.safeParse>;
    try {
      parsed = serverSocketMessage.safeParse(JSON.parse(String(data)));
    } catch {
      parsed = { success: false } as typeof parsed;
    }
    if (!parsed.success) {
      this.drop(ws, SOCKET_CLOSE.badMessage);
      return;
    }
    const msg = parsed.data;
    if (this.state === 'open') this.heard(ws);
    switch (msg.type) {
      case 'welcome': {
        if (this.state !== 'connecting') return;
        this.clearTimer();
        this.state = 'open';
        this.authRetried = false;
        this.openedAt = this.o.ctx.clock.now();
        this.heartbeatMs = msg.heartbeatMs;
        this.heard(ws);
        this.schedulePing(ws);
        this.o.delegate.changed(true, false);
        this.o.delegate.welcomed();
        return;
      }
      case 'poke':
        // Before the welcome a poke is covered by the pull that the welcome triggers.
        if (this.state === 'open') this.o.delegate.poked(msg.collections);
        return;
      case 'ping':
        this.send(ws, { type: 'pong' });
        return;
      case 'pong':
        return;
    }
  }

  private send(ws: WebSocketLike, msg: SocketHello | ClientSocketMessage): void {
    try {
      ws.send(JSON.stringify(msg));
    } catch {
      // A socket closing under us: its close event decides what happens next.
    }
  }

  /** Any frame proves the peer alive: restart the silence deadline. */
  private heard(ws: WebSocketLike): void {
    const { clock } = this.o.ctx;
    if (this.silenceTimer !== null) clock.clearTimeout(this.silenceTimer);
    this.silenceTimer = clock.setTimeout(() => {
      this.silenceTimer = null;
      this.drop(ws, SOCKET_CLOSE.silent);
    }, 2 * this.heartbeatMs);
  }

  private schedulePing(ws: WebSocketLike): void {
    this.pingTimer = this.o.ctx.clock.setTimeout(() => {
      this.pingTimer = null;
      if (this.ws !== ws) return;
      this.send(ws, { type: 'ping' });
      this.schedulePing(ws);
    }, this.heartbeatMs);
  }

  /**
   * Closes `ws` from this side and handles it as closed now: a dead link may never deliver the
   * close event (the closing handshake needs the peer).
   */
  private drop(ws: WebSocketLike, code: number): void {
    if (this.ws !== ws) return;
    try {
      ws.close(code);
    } catch {
      // Already closed.
    }
    this.closed(ws, code);
  }

  /**
   * The attempt or the socket ended with `code` (`ws` null: no socket was made). A 4429's reason
   * carries the server's retry hint (`retry after <ms> ms`): the reconnect waits at least that.
   */
  private closed(ws: WebSocketLike | null, code: number, reason?: string): void {
    if (ws) this.detach(ws);
    this.ws = null;
    this.clearTimer();
    this.clearHeartbeat();
    const wasOpen = this.state === 'open';
    this.state = 'idle';
    if (wasOpen) this.o.delegate.changed(false, true);
    if (!this.active) return;
    if (code === SOCKET_CLOSE.forbidden || code === SOCKET_CLOSE.protocolUnsupported) {
      this.state = 'disabled';
      this.o.delegate.gaveUp(refusal(code));
      return;
    }
    if (code === SOCKET_CLOSE.unauthenticated) {
      this.refresh = true;
      if (!this.authRetried) {
        // An expired token is routine: a fresh one, and straight back.
        this.authRetried = true;
        void this.connect();
        return;
      }
    }
    // A socket that lived through a heartbeat was healthy: back to the first window. One closed
    // sooner (welcomed, then refused or rate limited) keeps the backoff growing, as does every
    // attempt that never got a welcome (a proxy refusing upgrades, a 404): sync then runs on
    // writes and the slow poll, and the socket is retried ever more rarely (windows up to 5 min).
    const limited = code === SOCKET_CLOSE.rateLimited;
    if (!limited && wasOpen && this.o.ctx.clock.now() - this.openedAt >= this.heartbeatMs)
      this.o.backoff.reset();
    const floor = limited ? (socketRetryAfterMs(reason) ?? 0) : 0;
    this.state = 'waiting';
    this.timer = this.o.ctx.clock.setTimeout(() => {
      this.timer = null;
      void this.connect();
    }, this.o.backoff.next(floor));
  }

  /** Inactive: close without reconnecting. */
  private shutdown(): void {
    this.generation++;
    const ws = this.ws;
    const wasOpen = this.state === 'open';
    this.ws = null;
    this.clearTimer();
    this.clearHeartbeat();
    this.state = 'idle';
    if (ws) {
      this.detach(ws);
      try {
        ws.close(1000);
      } catch {
        // Already closed.
      }
    }
    if (wasOpen) this.o.delegate.changed(false, false);
  }

  private detach(ws: WebSocketLike): void {
    ws.onopen = null;
    ws.onmessage = null;
    ws.onclose = null;
    // Not null: the `ws` package emits `error` when a socket still connecting is closed, and an
    // EventEmitter with no `error` listener throws (an uncaught exception in the app).
    ws.onerror = () => undefined;
  }

  private clearTimer(): void {
    if (this.timer !== null) this.o.ctx.clock.clearTimeout(this.timer);
    this.timer = null;
  }

  private clearHeartbeat(): void {
    const { clock } = this.o.ctx;
    if (this.pingTimer !== null) clock.clearTimeout(this.pingTimer);
    if (this.silenceTimer !== null) clock.clearTimeout(this.silenceTimer);
    this.pingTimer = null;
    this.silenceTimer = null;
  }
}

function refusal(code: number): SynclineError {
  if (code === SOCKET_CLOSE.forbidden)
    return new SynclineError(
      'forbidden',
      'The sync server refused the realtime connection for this account. Changes from others will arrive on the slow poll; your changes still sync.',
      { details: { closeCode: code } },
    );
  return new SynclineError(
    'protocol_unsupported',
    'The sync server does not speak this app’s realtime protocol. Update the app for instant updates; until then changes sync on the slow poll.',
    { details: { closeCode: code } },
  );
}
