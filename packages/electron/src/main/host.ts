import type { SynclineClient, SyncStatus } from '@syncline/client';
import { type SchemaDef, SynclineError } from '@syncline/core';
import { toWireError } from '../errors.ts';
import type { BridgePort } from '../ports.ts';
import {
  BRIDGE_PROTOCOL,
  CLIENT_METHODS,
  COLLECTION_METHODS,
  isMessage,
  type MainMessage,
  type RendererMessage,
  type WireStatus,
} from '../protocol.ts';

/** What the host holds open right now; every number returns to 0 when every renderer is gone. */
export interface HostStats {
  /** Renderers connected. */
  connections: number;
  /** Live queries running for renderers (`watch` on the main client). */
  watches: number;
  /** Listeners on the main client for renderers (status and events; four per connection). */
  listeners: number;
}

/** Where forwarded `online`/`offline` events go: `electronNetwork()` is one. */
export interface OnlineReports {
  report(online: boolean): void;
}

/** Options of {@link serveClient}. */
export interface HostOptions {
  /** Receives the renderers' `online`/`offline` events (see `electronNetwork`). */
  network?: OnlineReports;
}

/**
 * Serves one client to any number of renderers, one port each.
 *
 * @example
 * const end = host.connect(nodePort(port1));
 * host.onStats((s) => (statsLine.textContent = `${s.connections} windows, ${s.watches} live queries`));
 */
export interface SyncHost {
  /**
   * Serves one renderer on `port` until the port closes, the renderer says goodbye or the
   * returned function is called; every subscription it made ends then.
   */
  connect(port: BridgePort): () => void;
  readonly stats: HostStats;
  /** Calls `cb` after every change of {@link SyncHost.stats}; returns unsubscribe. */
  onStats(cb: (stats: HostStats) => void): () => void;
  /** Ends every connection. The client itself stays open (the app owns it). */
  close(): void;
}

/** The status with its error as plain data. */
export function wireStatus(s: SyncStatus): WireStatus {
  return { ...s, error: s.error ? toWireError(s.error) : null };
}

/** A collection of `client.db` as the host calls it: by method name, with arguments from a message. */
type UntypedCollection = Record<string, (...args: unknown[]) => unknown> & {
  watch(query: object, cb: (rows: unknown[]) => void, onError: (e: unknown) => void): () => void;
};

const collectionMethods = new Set<string>(COLLECTION_METHODS);
const clientMethods = new Set<string>(CLIENT_METHODS);

/**
 * The main-process half of the bridge over {@link BridgePort}s, with no Electron in it: what
 * `exposeSyncClient` runs for each renderer, and what tests drive over `worker_threads` ports.
 * A renderer can only call the collection methods and the client methods listed in the
 * protocol, on the collections of the client's schema; anything else is answered with an error.
 *
 * @example
 * const host = serveClient(client);
 * const { port1, port2 } = new MessageChannel();
 * host.connect(nodePort(port1));
 */
export function serveClient<S extends SchemaDef>(
  client: SynclineClient<S>,
  options: HostOptions = {},
): SyncHost {
  const stats: HostStats = { connections: 0, watches: 0, listeners: 0 };
  const statSubs = new Set<(stats: HostStats) => void>();
  const changed = (patch: Partial<Record<keyof HostStats, number>>) => {
    for (const [k, d] of Object.entries(patch) as Array<[keyof HostStats, number]>) stats[k] += d;
    const snapshot = { ...stats };
    for (const cb of [...statSubs]) cb(snapshot);
  };
  const open = new Set<() => void>();
  // The schema's types do not help here: names and arguments arrive as data from a renderer.
  const db = client.db as unknown as Record<string, UntypedCollection>;

  function connect(port: BridgePort): () => void {
    let closed = false;
    const watches = new Map<number, () => void>();
    const send = (m: MainMessage) => {
      if (closed) return;
      try {
        port.send(m);
      } catch {
        // The other end is gone; its close event ends this connection.
      }
    };
    const listeners = [
      client.subscribe((s) => send({ t: 'status', status: wireStatus(s) })),
      client.on('rejected', (rejection) => send({ t: 'rejected', rejection })),
      client.on('reset', ({ collection }) => send({ t: 'reset', collection })),
      client.on('error', (e) => send({ t: 'error', error: toWireError(e) })),
    ];
    changed({ connections: 1, listeners: listeners.length });

    const answer = (id: number, run: () => unknown) => {
      Promise.resolve()
        .then(run)
        .then(
          (value) => send({ t: 'result', id, ok: true, value: value ?? null }),
          (e: unknown) => send({ t: 'result', id, ok: false, error: toWireError(e) }),
        );
    };
    const call = (m: Extract<RendererMessage, { t: 'call' }>) => {
      const args = Array.isArray(m.args) ? m.args : [];
      if (m.collection !== undefined) {
        if (!collectionMethods.has(m.method)) throw refused(`db.${m.collection}.${m.method}`);
        // client.db throws a SynclineError naming the known collections for an unknown one.
        const collection = db[m.collection]!;
        return collection[m.method]!(...args);
      }
      if (!clientMethods.has(m.method)) throw refused(m.method);
      const method = (client as unknown as Record<string, (...a: unknown[]) => unknown>)[m.method]!;
      // `sync`/`pull` take an AbortSignal, which cannot cross; the renderer never sends one.
      return m.method === 'sync' || m.method === 'pull' ? method.call(client) : method.apply(client, args);
    };
    const watch = (id: number, collection: string, query: unknown) => {
      if (watches.has(id)) return;
      try {
        const stop = db[collection]!.watch(
          (query ?? {}) as object,
          (rows) => send({ t: 'rows', id, rows }),
          (e) => send({ t: 'watch-error', id, error: toWireError(e) }),
        );
        watches.set(id, stop);
        changed({ watches: 1 });
      } catch (e) {
        send({ t: 'watch-error', id, error: toWireError(e) });
      }
    };
    const unwatch = (id: number) => {
      const stop = watches.get(id);
      if (!stop) return;
      watches.delete(id);
      stop();
      changed({ watches: -1 });
    };

    const stopMessages = port.onMessage((m) => {
      if (closed || !isMessage(m)) return;
      const msg = m as RendererMessage;
      switch (msg.t) {
        case 'call':
          answer(msg.id, () => call(msg));
          break;
        case 'watch':
          watch(msg.id, msg.collection, msg.query);
          break;
        case 'unwatch':
          unwatch(msg.id);
          break;
        case 'online':
          if (typeof msg.online === 'boolean') options.network?.report(msg.online);
          break;
        case 'bye':
          end();
          break;
      }
    });
    const stopClose = port.onClose(() => end());

    function end() {
      if (closed) return;
      closed = true;
      open.delete(end);
      stopMessages();
      stopClose();
      for (const id of [...watches.keys()]) unwatch(id);
      for (const off of listeners) off();
      changed({ connections: -1, listeners: -listeners.length });
      try {
        port.close();
      } catch {
        // already closed
      }
    }
    open.add(end);
    send({
      t: 'hello',
      protocol: BRIDGE_PROTOCOL,
      status: wireStatus(client.status),
      collections: Object.keys(db),
    });
    return end;
  }

  return {
    connect,
    get stats() {
      return { ...stats };
    },
    onStats(cb) {
      statSubs.add(cb);
      return () => statSubs.delete(cb);
    },
    close() {
      for (const end of [...open]) end();
    },
  };
}

function refused(what: string): SynclineError {
  return new SynclineError(
    'invalid',
    `The renderer asked the main process for "${what}", which the Syncline bridge does not serve.`,
    { details: { method: what } },
  );
}
