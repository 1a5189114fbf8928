/**
 * One realtime socket's protocol (protocol 3, `packages/core/src/protocol/socket.ts`): the hello
 * handshake, heartbeats both ways, token expiry and `auth` refreshes, and close codes. The hub
 * decides who may connect and what to poke; this file only keeps the socket's rules.
 *
 * States: `hello` (waiting for the first frame) → `verifying` (hello checked by the hub; frames
 * that arrive meanwhile are held and handled after `welcome`) → `open` → `closed`. One deadline
 * covers `hello` and `verifying`; every frame takes a token from the socket's bucket; a send
 * buffer over the cap closes the socket (docs/security.md, WebSocket).
 */
import {
  clientSocketMessage,
  PROTOCOL_VERSION,
  rateLimitReason,
  type ServerSocketMessage,
  SOCKET_CLOSE,
  type SocketHello,
  socketHello,
} from '@syncline/core';
import type { AuthContext, RealtimeOptions, RealtimeTimers, SocketPeer, SocketSession } from '../api.ts';
import { TokenBucket } from '../limits/token-bucket.ts';

/** What the hub answers to a hello: the connection is admitted, or closed with a code. */
export type Admission = { ok: true } | { ok: false; code: number; reason: string };

/** A socket's limits, from {@link RealtimeOptions}. */
export interface SocketLimits {
  messagesPerSecond: number;
  messageBurst: number;
  maxBufferedBytes: number;
}

/** The limits of `options`, defaults filled in (docs/security.md, WebSocket). */
export function socketLimits(options: RealtimeOptions): SocketLimits {
  const positive = (v: number | undefined, fallback: number, what: string) => {
    if (v === undefined) return fallback;
    if (!Number.isFinite(v) || v <= 0)
      throw new TypeError(`realtime.${what} must be a positive number; got ${String(v)}.`);
    return v;
  };
  return {
    messagesPerSecond: positive(options.messageRate?.perSecond, 10, 'messageRate.perSecond'),
    messageBurst: positive(options.messageRate?.burst, 50, 'messageRate.burst'),
    maxBufferedBytes: positive(options.maxBufferedBytes, 1024 * 1024, 'maxBufferedBytes'),
  };
}

export interface ConnectionDeps {
  peer: SocketPeer;
  heartbeatMs: number;
  helloTimeoutMs: number;
  limits: SocketLimits;
  now: () => number;
  timers: RealtimeTimers;
  /** Verifies a token; throws when it is missing, forged or expired. */
  verify(token: string): Promise<AuthContext>;
  /** Checks the hello and registers the connection (keys, indexes). */
  admit(conn: Connection, hello: SocketHello, auth: AuthContext): Promise<Admission>;
  /** The connection ended (after admit succeeded or not). */
  ended(conn: Connection): void;
}

/** setTimeout's limit: a later expiry is re-armed in steps. */
const MAX_TIMER_MS = 2_147_483_647;
/** Frames held while the hello is being checked; a client that floods here is broken. */
const MAX_HELD = 16;

export class Connection implements SocketSession {
  state: 'hello' | 'verifying' | 'open' | 'closed' = 'hello';
  auth: AuthContext | null = null;
  hello: SocketHello | null = null;
  readonly #d: ConnectionDeps;
  #held: Array<string | null> = [];
  readonly #bucket: TokenBucket;
  #helloTimer: unknown;
  #silenceTimer: unknown;
  #pingTimer: unknown;
  #expiryTimer: unknown;
  /** `auth` messages are verified one after another, so the last one wins. */
  #authChain: Promise<void> = Promise.resolve();

  constructor(deps: ConnectionDeps) {
    this.#d = deps;
    this.#bucket = new TokenBucket(deps.limits.messagesPerSecond, deps.limits.messageBurst, deps.now());
    // One deadline from the upgrade to the welcome: a client that never says hello, and a hello
    // whose check hangs (a JWKS endpoint that never answers), both end within it.
    this.#helloTimer = deps.timers.setTimeout(() => {
      if (this.state === 'hello') this.close(SOCKET_CLOSE.silent, 'No hello within the handshake timeout.');
      else this.close(1013, 'The hello could not be checked in time. Try again later.');
    }, deps.helloTimeoutMs);
  }

  get userId(): string {
    return this.auth?.userId ?? '';
  }

  /** Sends when open; answers whether it did. */
  send(message: ServerSocketMessage): boolean {
    if (this.state !== 'open') return false;
    try {
      this.#d.peer.send(JSON.stringify(message));
    } catch {
      this.close(SOCKET_CLOSE.goingAway, 'The socket could not be written.');
      return false;
    }
    // A client that stopped reading: give up on it rather than buffer its pokes without bound.
    const buffered = this.#d.peer.bufferedAmount?.() ?? 0;
    if (buffered > this.#d.limits.maxBufferedBytes) {
      this.close(SOCKET_CLOSE.silent, 'The client does not read what the server sends.');
      try {
        this.#d.peer.terminate?.();
      } catch {
        // Already gone.
      }
      return false;
    }
    return true;
  }

  close(code: number, reason: string): void {
    if (this.state === 'closed') return;
    this.#stop();
    try {
      this.#d.peer.close(code, reason);
    } catch {
      // Already gone: nothing left to tell the peer.
    }
    this.#d.ended(this);
  }

  closed(): void {
    if (this.state === 'closed') return;
    this.#stop();
    this.#d.ended(this);
  }

  message(text: string | null): void {
    if (this.state === 'closed') return;
    const wait = this.#bucket.take(this.#d.now());
    if (wait > 0) {
      this.close(SOCKET_CLOSE.rateLimited, rateLimitReason(this.#bucket.fillMs()));
      return;
    }
    if (this.state === 'open') this.#heard();
    if (this.state === 'hello') {
      this.state = 'verifying';
      this.#onHello(text).catch(() =>
        this.close(1011, 'The server could not set up this socket. Try again later.'),
      );
      return;
    }
    if (this.state === 'verifying') {
      if (this.#held.length >= MAX_HELD)
        this.close(SOCKET_CLOSE.badMessage, 'Too many frames before welcome.');
      else this.#held.push(text);
      return;
    }
    this.#onMessage(text);
  }

  async #onHello(text: string | null): Promise<void> {
    const raw = parseJson(text);
    const protocol = (raw as { protocol?: unknown } | null)?.protocol;
    if (
      (raw as { type?: unknown } | null)?.type === 'hello' &&
      typeof protocol === 'number' &&
      protocol !== PROTOCOL_VERSION
    ) {
      return this.close(
        SOCKET_CLOSE.protocolUnsupported,
        `This server speaks socket protocol ${PROTOCOL_VERSION}; the client sent ${protocol}.`,
      );
    }
    const hello = socketHello.safeParse(raw);
    if (!hello.success)
      return this.close(SOCKET_CLOSE.badMessage, 'The first message must be a valid hello.');
    let auth: AuthContext;
    try {
      auth = await this.#d.verify(hello.data.token);
    } catch {
      return this.close(SOCKET_CLOSE.unauthenticated, 'The token is missing, invalid or expired.');
    }
    if (this.state !== 'verifying') return;
    this.auth = auth;
    this.hello = hello.data;
    let admission: Admission;
    try {
      admission = await this.#d.admit(this, hello.data, auth);
    } catch {
      admission = {
        ok: false,
        code: 1011,
        reason: 'The server could not set up the socket. Try again later.',
      };
    }
    if (this.state !== 'verifying') return;
    if (!admission.ok) return this.close(admission.code, admission.reason);
    this.#d.timers.clearTimeout(this.#helloTimer);
    this.state = 'open';
    this.#armExpiry(auth);
    this.#heard();
    this.#schedulePing();
    this.send({ type: 'welcome', protocol: PROTOCOL_VERSION, heartbeatMs: this.#d.heartbeatMs });
    for (const held of this.#held.splice(0)) {
      if (this.state !== 'open') break;
      this.#onMessage(held);
    }
  }

  #onMessage(text: string | null): void {
    const parsed = clientSocketMessage.safeParse(parseJson(text));
    if (!parsed.success) {
      this.close(SOCKET_CLOSE.badMessage, 'Malformed or out-of-order message.');
      return;
    }
    const msg = parsed.data;
    if (msg.type === 'ping') this.send({ type: 'pong' });
    else if (msg.type === 'auth') {
      const token = msg.token;
      this.#authChain = this.#authChain
        .then(() => this.#reauth(token))
        .catch(() => this.close(1011, 'The server could not check the new token. Reconnect.'));
    }
  }

  async #reauth(token: string): Promise<void> {
    let auth: AuthContext;
    try {
      auth = await this.#d.verify(token);
    } catch {
      return this.close(SOCKET_CLOSE.unauthenticated, 'The new token is invalid or expired.');
    }
    if (this.state !== 'open') return;
    if (auth.userId !== this.userId)
      return this.close(SOCKET_CLOSE.forbidden, 'A token of another user cannot take over this socket.');
    this.auth = auth;
    this.#armExpiry(auth);
  }

  /** Closes with 4401 when the token's `exp` (seconds since the epoch) passes. */
  #armExpiry(auth: AuthContext): void {
    this.#d.timers.clearTimeout(this.#expiryTimer);
    this.#expiryTimer = undefined;
    const exp = auth.claims?.exp;
    if (typeof exp !== 'number' || !Number.isFinite(exp)) return;
    const arm = () => {
      const left = exp * 1000 - this.#d.now();
      if (left <= 0) {
        this.close(SOCKET_CLOSE.unauthenticated, 'The token has expired.');
        return;
      }
      this.#expiryTimer = this.#d.timers.setTimeout(arm, Math.min(left, MAX_TIMER_MS));
    };
    arm();
  }

  /** Any frame proves the peer alive: the silence timer restarts. */
  #heard(): void {
    this.#d.timers.clearTimeout(this.#silenceTimer);
    this.#silenceTimer = this.#d.timers.setTimeout(
      () => this.close(SOCKET_CLOSE.silent, 'Nothing heard for two heartbeats.'),
      2 * this.#d.heartbeatMs,
    );
  }

  #schedulePing(): void {
    this.#pingTimer = this.#d.timers.setTimeout(() => {
      this.send({ type: 'ping' });
      if (this.state === 'open') this.#schedulePing();
    }, this.#d.heartbeatMs);
  }

  #stop(): void {
    this.state = 'closed';
    for (const t of [this.#helloTimer, this.#silenceTimer, this.#pingTimer, this.#expiryTimer])
      this.#d.timers.clearTimeout(t);
    this.#held = [];
  }
}

function parseJson(text: string | null): unknown {
  if (text === null) return null;
  try {
    return JSON.parse(text);
  } catch {
    return null;
  }
}
