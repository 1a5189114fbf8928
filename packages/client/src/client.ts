import { type SchemaDef, SynclineError, uuidv7 } from '@syncline/core';
import { bytesFromFloats } from '@syncline/core/internal';
import { createBackoff } from './backoff.ts';
import { type Clock, systemClock } from './clock.ts';
import { createDb, type Db } from './db.ts';
import type { FailpointHook } from './failpoints.ts';
import { ChangeBus } from './local/live.ts';
import { reapply } from './local/reapply.ts';
import type { LocalDeps } from './local/write.ts';
import type { ClientRejection, LocalStore } from './local-store.ts';
import { alwaysOnline, type NetworkMonitor } from './network.ts';
import { openEngine } from './open.ts';
import { type ClientEvents, Emitter, type MirroredStatus, StatusHolder, type SyncStatus } from './status.ts';
import { META, type SyncContext } from './sync/context.ts';
import { asSynclineError, SyncLoop } from './sync/loop.ts';
import { RealtimeSocket, socketUrlOf, type WebSocketConstructor } from './sync/socket.ts';
import { fetchTransport, type Transport } from './transport.ts';

/**
 * Options of {@link createClient}. Only `schema`, `store` and `url` (or `transport`) are needed;
 * the rest are injectable effects (clock, ids, randomness, network, failpoints) and tuning, so
 * tests can drive the engine deterministically.
 */
export interface ClientOptions<S extends SchemaDef> {
  /** The schema shared with the server (`defineSchema`); it types `client.db`. */
  schema: S;
  /** Sync base URL, e.g. `https://api.example.com/sync`; or pass `transport`. */
  url?: string;
  /**
   * How requests reach the server; default `fetchTransport(url)`. Wrap it with a network monitor's
   * `observe` so failed requests count as "server unreachable".
   */
  transport?: Transport;
  /**
   * The local database: `createSqliteLocalStore` (`@syncline/store-sqlite`), `createIndexedDbStore`
   * (`@syncline/store-indexeddb`) or `createMemoryStore`. One store per user.
   */
  store: LocalStore;
  /**
   * The bearer token of each request. `forceRefresh` is true after a 401: return a fresh token
   * then. `null` sends no Authorization header.
   */
  auth?: { getToken(opts: { forceRefresh: boolean }): Promise<string | null> | string | null };
  /** Whether the device is online; default always online. While offline the loop makes no request. */
  network?: NetworkMonitor;
  /** Time for timers, backoff and ids; default the system clock (`manualClock` in tests). */
  clock?: Clock;
  /** Floats in [0, 1): jitter and default ids. */
  random?: () => number;
  /** Record ids and clientIds; default UUIDv7 from `clock` and `random`. */
  ids?: () => string;
  /** Called at each named step of a write or sync (`FAILPOINTS`); crash tests throw or kill there. */
  failpoint?: FailpointHook;
  /** Delay between a local write and the push it triggers (default 50 ms). */
  pushDebounceMs?: number;
  /** Slow poll while idle (default 30 s). */
  pollIntervalMs?: number;
  /** Max rows per pull page asked for (default 1000; capped by the server). */
  pullLimit?: number;
  /**
   * The realtime socket (`GET <url>/ws`): the server pokes, the client pulls, so others'
   * changes arrive within moments. On by default when a socket URL (from `url`) and a WebSocket
   * constructor (`globalThis.WebSocket`) are available; `false` turns it off. Node 20 has no
   * global WebSocket: pass the `ws` package's. The slow poll keeps running as a safety net.
   *
   * @example
   * import { WebSocket } from 'ws';
   * createClient({ schema, store, url: 'http://127.0.0.1:8787/sync', realtime: { WebSocket } });
   */
  realtime?: false | RealtimeOptions;
}

/**
 * Options of the realtime socket; see {@link ClientOptions.realtime}. With a custom `transport`,
 * give `url` too (or `realtime.url`): the socket URL is derived from `url` only.
 *
 * @example
 * createClient({ schema, store, url: '/sync', transport: network.observe(fetchTransport('/sync')), realtime: {} });
 */
export interface RealtimeOptions {
  /**
   * The socket URL. Default: `url` with `http:` → `ws:`, `https:` → `wss:` and `/ws` appended,
   * e.g. `wss://api.example.com/sync/ws` (relative URLs resolve against the page).
   */
  url?: string;
  /** Default `globalThis.WebSocket`; on Node 20 `import { WebSocket } from 'ws'`. */
  WebSocket?: WebSocketConstructor;
}

/**
 * A Syncline client: a typed local database that syncs in the background.
 *
 * @example
 * const client = createClient({ schema, url: 'http://127.0.0.1:8787/sync', store, auth: { getToken: () => token } });
 * await client.ready();
 * client.on('rejected', (r) => toast(r.message));
 * await client.start();
 * await client.db.tasks.insert({ listId: 'l1', title: 'Milk', done: false });
 */
export interface SynclineClient<S extends SchemaDef> {
  /** Opens the store (resetting collections whose columns changed). Idempotent. */
  ready(): Promise<void>;
  /**
   * The typed collections of the schema (`client.db.tasks.insert(…)`, `find`, `watch`): local reads
   * and writes, never waiting for the network.
   */
  readonly db: Db<S>;
  /** One push + pull cycle now; resolves when done, throws on failure (e.g. offline). */
  sync(opts?: { signal?: AbortSignal }): Promise<void>;
  /** Pull only (no push), until no collection has more; resolves when done, throws on failure. */
  pull(opts?: { signal?: AbortSignal }): Promise<void>;
  /** Whether the record `id` (in any collection) has local changes not yet acknowledged. */
  isPending(id: string, collection?: keyof S['collections'] & string): Promise<boolean>;
  /** Starts background sync (after `ready`). */
  start(): Promise<void>;
  /** Stops background sync; resolves once a cycle in flight has settled (e.g. before handing the loop to another tab). */
  stop(): Promise<void>;
  /** Stops syncing and closes the store. */
  close(): Promise<void>;
  /** The current sync status (a new object on every change); see {@link SyncStatus}. */
  readonly status: SyncStatus;
  /**
   * Shows another instance's loop state in this client's `status` (`connected`, `realtime`,
   * `phase`, `progress`, `lastSyncedAt`), e.g. a follower tab showing the leader's; `online`,
   * `pending` and `error` stay this instance's own. `null` shows this instance's own again
   * (a tab that becomes the leader). `connectTabs` in `@syncline/web` does this for you.
   *
   * @example
   * channel.onmessage = (e) => client.mirror(e.data.status);
   */
  mirror(status: MirroredStatus | null): void;
  /** Calls `cb` with every new status; returns the unsubscribe function. */
  subscribe(cb: (status: SyncStatus) => void): () => void;
  /** Listens to an event (`rejected`, `reset`, `error`, `status`); returns the unsubscribe function. */
  on<K extends keyof ClientEvents>(event: K, cb: (payload: ClientEvents[K]) => void): () => void;
  /** Stored rejections not yet dismissed, oldest first. */
  rejections(): Promise<ClientRejection[]>;
  /** Removes a stored rejection (the user saw it); `rejections()` no longer returns it. */
  dismiss(key: string): Promise<void>;
  /** Re-applies a `conflict` rejection on the current state; returns the new visible row. */
  reapply(key: string): Promise<Record<string, unknown> | null>;
  /**
   * Another writer (a second tab, the service worker, an Electron renderer bridge) committed to
   * the same store: re-run the live queries of `collections`, refresh `pending`, and push soon if
   * this instance runs the sync loop.
   */
  externalChange(collections: readonly string[]): void;
}

/** The realtime socket of `options`, or undefined when it is off or not possible here. */
function createRealtime(
  options: ClientOptions<SchemaDef>,
  ctx: SyncContext,
  random: () => number,
  delegate: ConstructorParameters<typeof RealtimeSocket>[0]['delegate'],
): RealtimeSocket | undefined {
  if (options.realtime === false) return undefined;
  const explicit = options.realtime ?? {};
  const url = explicit.url ?? (options.url ? socketUrlOf(options.url) : null);
  const WebSocket =
    explicit.WebSocket ?? (globalThis as { WebSocket?: WebSocketConstructor }).WebSocket ?? undefined;
  if (!url) return undefined;
  if (!WebSocket) {
    if (options.realtime)
      throw new SynclineError(
        'invalid',
        'The realtime socket needs a WebSocket constructor and none is global here (Node 20): pass `realtime: { WebSocket }` from the `ws` package, or `realtime: false`.',
      );
    return undefined;
  }
  // Its own backoff, growing to 5 minutes: a socket that cannot be made is retried occasionally
  // while the slow poll carries the sync.
  return new RealtimeSocket({
    ctx,
    url,
    WebSocket,
    backoff: createBackoff({ random, maxMs: 300_000 }),
    delegate,
  });
}

/**
 * Creates a Syncline client: a typed local database (`client.db`) over `store` that syncs with the
 * server at `url` in the background. Nothing touches the network until `start()`, `sync()` or
 * `pull()`; writes are local and never wait for it (ARCHITECTURE.md §4). Call `ready()` (or any
 * method, which waits for it) to open the store; `close()` when done.
 *
 * Throws `SynclineError('invalid')` when neither `url` nor `transport` is given, or when `realtime`
 * is asked for and no WebSocket constructor is available.
 *
 * @example
 * import { createClient } from '@syncline/client';
 * import { createSqliteLocalStore } from '@syncline/store-sqlite';
 * import { betterSqlite3Driver } from '@syncline/store-sqlite/better-sqlite3';
 * import { WebSocket } from 'ws';
 * import { schema } from './schema.ts';
 *
 * const client = createClient({
 *   schema,
 *   url: 'http://127.0.0.1:8787/sync',
 *   store: createSqliteLocalStore(betterSqlite3Driver('./data/alice.db')),
 *   auth: { getToken: ({ forceRefresh }) => session.token({ forceRefresh }) },
 *   realtime: { WebSocket }, // Node 20 has no global WebSocket
 * });
 * client.on('rejected', (r) => showNotice(r.message));
 * await client.start();
 * await client.db.tasks.insert({ listId: 'l1', title: 'Milk', done: false }); // local, instant
 * const stop = client.db.tasks.watch({ where: { done: false } }, (rows) => renderTasks(rows));
 */
export function createClient<S extends SchemaDef>(options: ClientOptions<S>): SynclineClient<S> {
  const clock = options.clock ?? systemClock;
  const random = options.random ?? Math.random;
  // Bytes from the float source, so ids replay under a seeded `random`.
  const bytes = bytesFromFloats(random);
  const ids = options.ids ?? (() => uuidv7(clock.now(), bytes));
  const network = options.network ?? alwaysOnline();
  const transport = options.transport ?? (options.url ? fetchTransport(options.url) : undefined);
  if (!transport) throw new SynclineError('invalid', 'createClient needs either `url` or `transport`.');
  const events = new Emitter<ClientEvents>();
  const status = new StatusHolder(
    {
      online: network.online,
      connected: false,
      realtime: false,
      phase: 'idle',
      progress: null,
      pending: 0,
      lastSyncedAt: null,
      error: null,
    },
    events,
  );
  const bus = new ChangeBus();
  /** Re-reads the outbox size into `status.pending`; concurrent calls share one read. */
  let refreshing: Promise<void> | null = null;
  const refreshPending = (): Promise<void> => {
    refreshing ??= Promise.resolve()
      .then(() => {
        refreshing = null;
        return options.store.read((tx) => tx.outboxCount());
      })
      .then((pending) => status.set({ pending }))
      .catch((e: unknown) => events.emit('error', asSynclineError(e)));
    return refreshing;
  };
  let realtime: RealtimeSocket | undefined;
  const ctx: SyncContext = {
    schema: options.schema,
    store: options.store,
    transport,
    clock,
    ids,
    failpoint: async (name) => {
      await options.failpoint?.(name);
    },
    getToken: async (forceRefresh) => {
      const token = options.auth ? await options.auth.getToken({ forceRefresh }) : null;
      // A token refreshed for a request extends the open socket too (an `auth` frame).
      if (token !== null) realtime?.tokenSeen(token);
      return token;
    },
    changed: (collections, opts) => {
      bus.publish(collections);
      // A pull page without revocations leaves the outbox alone: the live queries' reads go first.
      if (opts?.outbox !== false) void refreshPending();
    },
    rejected: (r) => events.emit('rejected', r),
    reset: (collection) => events.emit('reset', { collection }),
    progress: {
      phase: (phase, progress = null) => status.set({ phase, progress }),
      reached: (connected) => status.set({ connected }),
    },
    pullLimit: options.pullLimit ?? 1000,
    session: { limits: null, batchSize: null },
  };

  let opening: Promise<void> | null = null;
  const ready = () => {
    opening ??= (async () => {
      await openEngine(ctx);
      const [pending, lastSyncedAt] = await options.store.read(
        async (tx) => [await tx.outboxCount(), await tx.getMeta<number>(META.lastSyncedAt)] as const,
      );
      status.set({ pending, lastSyncedAt: lastSyncedAt ?? null });
    })();
    return opening;
  };

  realtime = createRealtime(options, ctx, random, {
    welcomed: () => loop.reconnected(),
    poked: (collections) => loop.pullSoon(collections),
    changed: (open, lost) =>
      status.set(
        open
          ? { realtime: true, connected: true }
          : lost
            ? { realtime: false, connected: false }
            : { realtime: false },
      ),
    gaveUp: (error) => events.emit('error', error),
  });
  const loop: SyncLoop = new SyncLoop({
    ctx,
    network,
    backoff: createBackoff({ random }),
    pushDebounceMs: options.pushDebounceMs ?? 50,
    pollIntervalMs: options.pollIntervalMs ?? 30_000,
    realtime,
    delegate: {
      cycleDone: () => {
        const now = clock.now();
        status.set({ lastSyncedAt: now });
        void options.store.write((tx) => tx.setMeta(META.lastSyncedAt, now)).catch(() => undefined);
      },
      failed: (error) => {
        // One `error` event per kind of trouble, not per retry: an outage that retries every few
        // seconds reports once, and again only when its code changes (or after a success).
        const previous = status.current.error;
        status.set({ error });
        if (error && error.code !== 'aborted' && error.code !== previous?.code) events.emit('error', error);
      },
    },
  });
  network.subscribe((online) => status.set({ online }));

  const deps: LocalDeps = {
    ctx,
    bus,
    ready,
    wrote: (pending) => {
      status.set({ pending });
      loop.poke();
    },
    onError: (e) => events.emit('error', asSynclineError(e)),
  };
  let closed = false;

  return {
    ready,
    db: createDb<S>(deps),
    async sync(opts = {}) {
      await ready();
      try {
        await loop.sync(opts.signal);
      } finally {
        await refreshPending();
      }
    },
    async pull(opts = {}) {
      await ready();
      try {
        await loop.pullOnly(opts.signal);
      } finally {
        await refreshPending();
      }
    },
    async isPending(id, collection) {
      await ready();
      const names = collection ? [collection] : Object.keys(options.schema.collections);
      return options.store.read(async (tx) => {
        for (const n of names) if (((await tx.getRecord(n, id))?.pending ?? 0) > 0) return true;
        return false;
      });
    },
    async start() {
      await ready();
      // Rejections stored by an earlier run or a background task reach this app once.
      await loop.notifyRejections();
      if (!closed) loop.start();
    },
    stop: () => loop.stop(),
    async close() {
      closed = true;
      await loop.stop();
      await options.store.close();
    },
    get status() {
      return status.current;
    },
    mirror: (remote) => status.mirror(remote),
    subscribe: (cb) => events.on('status', cb),
    on: (event, cb) => events.on(event, cb),
    async rejections() {
      await ready();
      return (await options.store.read((tx) => tx.rejections())).map(({ notified: _, ...r }) => r);
    },
    async dismiss(key) {
      await ready();
      await options.store.write((tx) => tx.removeRejection(key));
    },
    reapply: (key) => reapply(deps, key),
    externalChange(collections) {
      bus.publish(collections);
      void refreshPending();
      loop.poke();
      void loop.notifyRejections().catch((e: unknown) => events.emit('error', asSynclineError(e)));
    },
  };
}
