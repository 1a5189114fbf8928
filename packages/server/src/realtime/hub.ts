/**
 * The realtime hub of one server instance (decision 0013): its sockets, each with the user's
 * access keys per collection, and the routing of the store's change feed to them. A change pokes
 * only the connections holding a key it touches (old and new scope values, tombstones, scope
 * moves), or, through the rules' `affects`, the users whose access it may change. Pokes are
 * coalesced: at most one per connection per feed batch, naming its collections.
 *
 * Keys are computed at hello and refreshed from every pull made with the connection's clientId
 * (the pull handler computes them anyway), and recomputed after an `affects` change.
 */
import { DEFAULT_HEARTBEAT_MS, HELLO_TIMEOUT_MS, SOCKET_CLOSE, type SocketHello } from '@syncline/core';
import { getCollection } from '@syncline/core/internal';
import type {
  AuthContext,
  RealtimeHub,
  RealtimeOptions,
  RealtimeStats,
  RealtimeTimers,
  SocketPeer,
} from '../api.ts';
import { userIdProblem } from '../auth/user-id.ts';
import type { HandlerContext } from '../handler/context.ts';
import { type Keys, rulesFor, scopeColumns, scopeKeys } from '../handler/rules.ts';
import type { StoreChange } from '../stores/types.ts';
import { type Admission, Connection, socketLimits } from './connection.ts';
import { KeyIndex } from './key-index.ts';

/** A welcomed socket with what routing needs. */
interface Member {
  conn: Connection;
  userId: string;
  clientId: string;
  auth: AuthContext;
  /** The served collections the client syncs. */
  collections: ReadonlySet<string>;
  keys: Map<string, Keys>;
  /** A recomputation of the keys is running / was asked for again meanwhile. */
  recomputing: boolean;
  again: boolean;
}

const SYSTEM_TIMERS: RealtimeTimers = {
  setTimeout: (fn, ms) => {
    const t = setTimeout(fn, ms);
    t.unref();
    return t;
  },
  clearTimeout: (handle) => clearTimeout(handle as NodeJS.Timeout | undefined),
};

/** The hub plus the pull handler's hook. */
export interface InternalHub extends RealtimeHub {
  /** A pull by `clientId` computed these keys: connections of that client (and user) take them. */
  pulled(auth: AuthContext, clientId: string, keys: ReadonlyMap<string, Keys>): void;
}

export function createRealtimeHub(
  ctx: HandlerContext,
  basePath: string,
  options: RealtimeOptions = {},
): InternalHub {
  const heartbeatMs = Math.max(1, Math.floor(options.heartbeatMs ?? DEFAULT_HEARTBEAT_MS));
  const helloTimeoutMs = Math.max(1, Math.floor(options.helloTimeoutMs ?? HELLO_TIMEOUT_MS));
  const now = options.now ?? Date.now;
  const limits = socketLimits(options);
  const timers = options.timers ?? SYSTEM_TIMERS;
  const report = (error: unknown) => {
    try {
      options.onError?.(error);
    } catch {
      // A failing reporter must not break the feed.
    }
  };

  // A database outage fails every feed read (20 a second): tell about it once per 10 s.
  let lastFeedError = Number.NEGATIVE_INFINITY;
  const reportFeedError = (error: unknown) => {
    const t = now();
    if (t - lastFeedError < 10_000) return;
    lastFeedError = t;
    report(error);
  };

  const open = new Set<Connection>();
  const members = new Map<Connection, Member>();
  const byUser = new Map<string, Set<Member>>();
  const index = new KeyIndex<Member>();
  const pokesByUser = new Map<string, number>();
  let pokes = 0;
  let closing = false;

  // The feed starts with the first socket and runs until close; a socket is welcomed only once
  // the feed has its starting point, so nothing falls between the client's first pull and pokes.
  let unsubscribe: (() => void) | null = null;
  let feedReady: Promise<void> | null = null;
  function startFeed(): Promise<void> {
    if (feedReady) return feedReady;
    feedReady = new Promise<void>((resolve, reject) => {
      try {
        unsubscribe =
          ctx.store.subscribe?.(route, {
            onError: reportFeedError,
            onReady: resolve,
            columns: feedColumns(),
          }) ?? null;
      } catch (error) {
        reportFeedError(error);
        reject(error);
        return;
      }
      if (!unsubscribe) resolve();
    });
    // A failed start is tried again by the next hello.
    feedReady.catch(() => {
      feedReady = null;
    });
    return feedReady;
  }

  /** Whether `promise` settles within `ms` (on the injected timers). */
  function within(promise: Promise<void>, ms: number): Promise<boolean> {
    return new Promise<boolean>((resolve) => {
      const timer = timers.setTimeout(() => resolve(false), ms);
      void promise.then(
        () => {
          timers.clearTimeout(timer);
          resolve(true);
        },
        () => {
          // A store whose subscribe threw: no feed, so no socket (1013, try again later).
          timers.clearTimeout(timer);
          resolve(false);
        },
      );
    });
  }

  /**
   * What routing reads of changed rows: the scope columns of each served collection, and the
   * whole row where the rules' `affects` looks at it (so the feed does not read rows whole).
   */
  function feedColumns(): Record<string, readonly string[] | 'all'> {
    const out: Record<string, readonly string[] | 'all'> = {};
    for (const { name } of Object.values(ctx.schema.collections)) {
      const rule = served(name);
      if (rule) out[name] = rule.affects ? 'all' : (scopeColumns(rule) ?? []);
    }
    return out;
  }

  function served(collection: string) {
    return getCollection(ctx.schema, collection) ? rulesFor(ctx.rules, ctx.dev, collection) : null;
  }

  async function computeKeys(auth: AuthContext, collections: Iterable<string>): Promise<Map<string, Keys>> {
    return ctx.store.read(async (db) => {
      const out = new Map<string, Keys>();
      for (const c of collections) {
        const rule = served(c);
        if (rule) out.set(c, await scopeKeys(rule, auth, db));
      }
      return out;
    });
  }

  async function admit(conn: Connection, hello: SocketHello, auth: AuthContext): Promise<Admission> {
    if (closing) return { ok: false, code: SOCKET_CLOSE.goingAway, reason: 'The server is shutting down.' };
    const owner = ctx.store.clientUser ? await ctx.store.clientUser(hello.clientId) : null;
    if (owner !== null && owner !== auth.userId)
      return { ok: false, code: SOCKET_CLOSE.forbidden, reason: 'This client id belongs to another user.' };
    const collections = new Set(hello.collections.filter((c) => served(c) !== null));
    if (!(await within(startFeed(), helloTimeoutMs)))
      return { ok: false, code: 1013, reason: 'The change feed is not running yet. Try again later.' };
    const keys = await computeKeys(auth, collections);
    if (conn.state !== 'verifying' || closing)
      return { ok: false, code: SOCKET_CLOSE.goingAway, reason: 'The server is shutting down.' };
    const m: Member = {
      conn,
      userId: auth.userId,
      clientId: hello.clientId,
      auth,
      collections,
      keys: new Map(),
      recomputing: false,
      again: false,
    };
    for (const [c, k] of keys) index.set(m, c, k);
    members.set(conn, m);
    addTo(byUser, m.userId, m);
    if (!pokesByUser.has(m.userId)) pokesByUser.set(m.userId, 0);
    return { ok: true };
  }

  function ended(conn: Connection): void {
    open.delete(conn);
    const m = members.get(conn);
    if (!m) return;
    members.delete(conn);
    index.remove(m);
    if (removeFrom(byUser, m.userId, m)) pokesByUser.delete(m.userId);
  }

  /** Routes one feed batch: one poke per touched connection, naming its touched collections. */
  function route(changes: StoreChange[]): void {
    const touched = new Map<Member, Set<string>>();
    const stale = new Set<Member>();
    const poke = (m: Member, collection: string) => {
      if (!m.collections.has(collection)) return;
      const set = touched.get(m) ?? new Set<string>();
      touched.set(m, set);
      set.add(collection);
    };
    for (const change of changes) {
      const rule = served(change.collection);
      if (!rule) continue;
      if (rule.affects) {
        for (const row of [change.row, change.old]) {
          if (row === null) continue;
          let users: readonly string[] | null | undefined;
          try {
            users = rule.affects(row);
          } catch (error) {
            report(error);
            continue;
          }
          for (const user of users ?? []) {
            for (const m of byUser.get(String(user)) ?? []) {
              for (const c of m.collections) poke(m, c);
              stale.add(m);
            }
          }
        }
      }
      index.touched(change, scopeColumns(rule), (m) => poke(m, change.collection));
    }
    for (const [m, collections] of touched) {
      if (!m.conn.send({ type: 'poke', collections: [...collections].sort() })) continue;
      pokes++;
      pokesByUser.set(m.userId, (pokesByUser.get(m.userId) ?? 0) + 1);
    }
    for (const m of stale) recompute(m);
  }

  /** Recomputes a member's keys after an `affects` change (coalesced per member). */
  function recompute(m: Member): void {
    if (m.recomputing) {
      m.again = true;
      return;
    }
    m.recomputing = true;
    computeKeys(m.conn.auth ?? m.auth, m.collections).then(
      (keys) => {
        if (members.get(m.conn) === m) for (const [c, k] of keys) index.set(m, c, k);
        done();
      },
      (error: unknown) => {
        report(error);
        done();
      },
    );
    function done() {
      m.recomputing = false;
      if (m.again) {
        m.again = false;
        recompute(m);
      }
    }
  }

  return {
    path: `${basePath}/ws`,
    accept(peer: SocketPeer) {
      const conn: Connection = new Connection({
        peer,
        heartbeatMs,
        helloTimeoutMs,
        limits,
        now,
        timers,
        verify: async (token) => {
          const auth = await ctx.auth.verify(token);
          if (!auth || typeof auth.userId !== 'string' || auth.userId === '') throw new Error('no user id');
          // The same check as HTTP requests: a user id no store can keep is refused (4401).
          const problem = userIdProblem(auth.userId);
          if (problem !== null) throw new Error(`user id ${problem}`);
          return auth;
        },
        admit,
        ended,
      });
      if (closing) conn.close(SOCKET_CLOSE.goingAway, 'The server is shutting down.');
      else open.add(conn);
      return conn;
    },
    pulled(auth, _clientId, keys) {
      // Every socket of the pulling user: its keys are the user's (a client that took a new
      // client id since its hello keeps being refreshed), and never another user's sockets.
      for (const m of byUser.get(auth.userId) ?? []) {
        for (const [c, k] of keys) if (m.collections.has(c)) index.set(m, c, k);
      }
    },
    stats(): RealtimeStats {
      return { connections: open.size, pokes, pokesByUser: new Map(pokesByUser) };
    },
    async close() {
      closing = true;
      for (const conn of [...open]) conn.close(SOCKET_CLOSE.goingAway, 'The server is going away.');
      unsubscribe?.();
      unsubscribe = null;
    },
  };
}

function addTo<K, V>(map: Map<K, Set<V>>, key: K, value: V): void {
  const set = map.get(key) ?? new Set<V>();
  map.set(key, set);
  set.add(value);
}

/** Removes; answers whether the key has no values left. */
function removeFrom<K, V>(map: Map<K, Set<V>>, key: K, value: V): boolean {
  const set = map.get(key);
  if (!set) return true;
  set.delete(value);
  if (set.size > 0) return false;
  map.delete(key);
  return true;
}
