import type { ClientEvents, ClientRejection, Db, SyncStatus } from '@syncline/client';
import type { SchemaDef, SynclineError } from '@syncline/core';
import { reviveError } from '../errors.ts';
import type { BridgePort } from '../ports.ts';
import type { ClientMethod, MainMessage, WireStatus } from '../protocol.ts';
import { Connection } from './connection.ts';
import { rendererDb } from './db.ts';
import { LiveQueries } from './live-queries.ts';
import { requestPort } from './window-port.ts';

/** The parts of `window` whose `online`/`offline` events the renderer forwards to main. */
export interface OnlineEvents {
  readonly navigator?: { readonly onLine?: boolean };
  addEventListener(type: 'online' | 'offline' | 'pagehide', cb: () => void): void;
  removeEventListener(type: 'online' | 'offline' | 'pagehide', cb: () => void): void;
}

/** Options of {@link createRendererClient}. */
export interface RendererClientOptions<S extends SchemaDef> {
  /** The app's schema (the same module the main process uses): types and collection names. */
  schema: S;
  /** The port to main. Default: asked from `@syncline/electron/preload` ({@link requestPort}). */
  port?: BridgePort | Promise<BridgePort>;
  /**
   * Where `online`/`offline` (forwarded to main's network monitor) and `pagehide` (goodbye) come
   * from. Default: `window` when there is one; `false` forwards nothing.
   */
  events?: OnlineEvents | false;
}

/**
 * A window's view of the client running in the main process: the same typed `db` as
 * `createClient`, and `status`, `subscribe`, `on`, `isPending`, `rejections`, `dismiss`,
 * `reapply`, `sync` and `pull`. It satisfies `@syncline/react`'s `SynclineClientLike`, and each
 * `db.<collection>` its `LiveCollection`, so the hooks work on it unchanged.
 *
 * @example
 * const client: RendererClient<typeof schema> = createRendererClient({ schema });
 * client.on('rejected', (r) => toast(r.message));
 * await client.db.tasks.update(id, { done: true });
 */
export interface RendererClient<S extends SchemaDef> {
  readonly db: Db<S>;
  /** Resolves once main has answered (status and collections known); rejects if the bridge failed. */
  ready(): Promise<void>;
  /** The main client's status, mirrored: read synchronously, the same object until it changes. */
  readonly status: SyncStatus;
  subscribe(cb: (status: SyncStatus) => void): () => void;
  on<K extends keyof ClientEvents>(event: K, cb: (payload: ClientEvents[K]) => void): () => void;
  /** One push + pull cycle in main now. */
  sync(): Promise<void>;
  /** Pull only, in main. */
  pull(): Promise<void>;
  isPending(id: string, collection?: keyof S['collections'] & string): Promise<boolean>;
  rejections(): Promise<ClientRejection[]>;
  dismiss(key: string): Promise<void>;
  reapply(key: string): Promise<Record<string, unknown> | null>;
  /** Ends this window's connection: main stops its live queries and listeners. */
  close(): void;
}

const CONNECTING: SyncStatus = {
  online: true,
  connected: false,
  realtime: false,
  phase: 'idle',
  progress: null,
  pending: 0,
  lastSyncedAt: null,
  error: null,
};

/**
 * The renderer half of the bridge. Every read and write runs in the main process's client (one
 * store, one outbox, one sync loop for all windows); live queries stream from there, and their
 * last results and the status are mirrored here, so `useSyncExternalStore` reads them
 * synchronously. Errors arrive as `SynclineError` with `code`, `message` and `details`.
 *
 * @example
 * import { createRendererClient } from '@syncline/electron/renderer';
 * import { SynclineProvider, useQuery } from '@syncline/react';
 * const client = createRendererClient({ schema });
 * root.render(<SynclineProvider client={client}><Tasks /></SynclineProvider>);
 * // in Tasks: const { data } = useQuery(client.db.tasks, { where: { done: false } });
 */
export function createRendererClient<S extends SchemaDef>(
  options: RendererClientOptions<S>,
): RendererClient<S> {
  const events = options.events === undefined ? defaultEvents() : options.events || null;
  let status: SyncStatus = { ...CONNECTING, online: events?.navigator?.onLine ?? true };
  const subs = new Map<keyof ClientEvents, Set<(payload: never) => void>>();
  const emit = <K extends keyof ClientEvents>(event: K, payload: ClientEvents[K]) => {
    for (const cb of [...(subs.get(event) ?? [])]) {
      try {
        (cb as (p: ClientEvents[K]) => void)(payload);
      } catch {
        // A listener's bug must not break the bridge.
      }
    }
  };
  const setStatus = (w: WireStatus) => {
    status = { ...w, error: w.error ? reviveError(w.error) : null };
    emit('status', status);
  };
  let hello: { resolve(): void; reject(e: unknown): void };
  const helloed = new Promise<void>((resolve, reject) => {
    hello = { resolve, reject };
  });
  // A rejection nobody awaits (no one called ready()) must not be an unhandled rejection.
  helloed.catch(() => undefined);

  const onMessage = (m: MainMessage) => {
    if (live.receive(m)) return;
    switch (m.t) {
      case 'hello':
        setStatus(m.status);
        hello.resolve();
        break;
      case 'status':
        setStatus(m.status);
        break;
      case 'rejected':
        emit('rejected', m.rejection);
        break;
      case 'reset':
        emit('reset', { collection: m.collection });
        break;
      case 'error':
        emit('error', reviveError(m.error));
        break;
    }
  };
  const onLost = (error: SynclineError) => {
    hello.reject(error);
    live.fail(error);
    status = { ...status, connected: false, realtime: false, error };
    emit('status', status);
    emit('error', error);
  };
  const connection = new Connection(options.port ?? requestPort(), onMessage, onLost);
  const live = new LiveQueries(connection, (e) => emit('error', e as SynclineError));
  const call = (method: ClientMethod, ...args: unknown[]) => connection.call({ t: 'call', method, args });

  const forward = (online: boolean) => () => connection.send({ t: 'online', online });
  const onOnline = forward(true);
  const onOffline = forward(false);
  const onPageHide = () => close();
  events?.addEventListener('online', onOnline);
  events?.addEventListener('offline', onOffline);
  events?.addEventListener('pagehide', onPageHide);
  function close() {
    events?.removeEventListener('online', onOnline);
    events?.removeEventListener('offline', onOffline);
    events?.removeEventListener('pagehide', onPageHide);
    connection.close();
  }

  return {
    db: rendererDb(options.schema, connection, live),
    ready: () => helloed,
    get status() {
      return status;
    },
    subscribe(cb) {
      return on('status', cb);
    },
    on,
    sync: async () => {
      await call('sync');
    },
    pull: async () => {
      await call('pull');
    },
    isPending: (id, collection) =>
      call('isPending', ...(collection === undefined ? [id] : [id, collection])) as Promise<boolean>,
    rejections: () => call('rejections') as Promise<ClientRejection[]>,
    dismiss: async (key) => {
      await call('dismiss', key);
    },
    reapply: (key) => call('reapply', key) as Promise<Record<string, unknown> | null>,
    close,
  };

  function on<K extends keyof ClientEvents>(event: K, cb: (payload: ClientEvents[K]) => void): () => void {
    let set = subs.get(event);
    if (!set) {
      set = new Set();
      subs.set(event, set);
    }
    set.add(cb as (payload: never) => void);
    return () => set.delete(cb as (payload: never) => void);
  }
}

function defaultEvents(): OnlineEvents | null {
  const w = globalThis as unknown as Partial<OnlineEvents>;
  return typeof w.addEventListener === 'function' && typeof window !== 'undefined'
    ? (w as OnlineEvents)
    : null;
}
