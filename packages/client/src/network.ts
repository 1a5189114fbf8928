import { SynclineError } from '@syncline/core';
import type { Transport } from './transport.ts';

/**
 * Whether the device believes it is online. "Online" is not "server reachable": the status's
 * `connected` flag is learnt from real requests. While offline the sync loop makes no requests.
 *
 * @example
 * const network = manualNetwork(false);
 * const client = createClient({ schema, store, network });
 * network.set(true); // the loop syncs now
 */
export interface NetworkMonitor {
  /** Whether the device is online now. */
  readonly online: boolean;
  /** Calls `cb` on every change of `online`; returns the unsubscribe function. */
  subscribe(cb: (online: boolean) => void): () => void;
}

/** Always online (Node, Electron main): reachability is learnt from requests alone. */
export function alwaysOnline(): NetworkMonitor {
  return { online: true, subscribe: () => () => {} };
}

/** A monitor the caller drives with `set(online)`: tests, and apps that know better. */
export function manualNetwork(initial = true): NetworkMonitor & { set(online: boolean): void } {
  let online = initial;
  const subs = new Set<(online: boolean) => void>();
  return {
    get online() {
      return online;
    },
    subscribe(cb) {
      subs.add(cb);
      return () => subs.delete(cb);
    },
    set(next) {
      if (next === online) return;
      online = next;
      for (const cb of [...subs]) cb(online);
    },
  };
}

/**
 * The part every platform monitor shares (browser, React Native, Electron main): the state, its
 * subscribers, and what real requests teach. The platform reports what it believes with
 * `report` (an event, a poll); `observe` wraps the transport.
 */
export interface ObservedNetwork extends NetworkMonitor {
  /**
   * Whether the last sync request reached the server: true, false (it could not connect), or
   * null before any request. "Online" is not "server reachable": a captive portal or a down
   * server leave the device online and the server unreachable.
   */
  readonly reachable: boolean | null;
  /** The platform's word: believed, whatever requests said before. */
  report(online: boolean): void;
  /**
   * Wraps a transport so every request teaches the monitor. A response to a request sent while
   * the monitor said offline proves the platform wrong and turns it online — unless the platform
   * spoke again while the request was out (a response can cross an `offline` event, and then
   * proves nothing).
   */
  observe(transport: Transport): Transport;
  /** Drops every subscriber. */
  clear(): void;
}

/**
 * The shared core of a platform's {@link NetworkMonitor}.
 *
 * @example
 * const core = observedNetwork(navigator.onLine);
 * addEventListener('offline', () => core.report(false));
 * const client = createClient({ schema, store, network: core, transport: core.observe(fetchTransport(url)) });
 */
export function observedNetwork(
  initial: boolean,
  hooks: {
    /** After a request failed to connect (e.g. re-read the platform's state). */ unreachable?(): void;
  } = {},
): ObservedNetwork {
  let online = initial;
  let reachable: boolean | null = null;
  /** Counts the platform's reports, so a response can tell whether one came after it left. */
  let reports = 0;
  const subs = new Set<(online: boolean) => void>();
  const set = (next: boolean) => {
    if (next === online) return;
    online = next;
    for (const cb of [...subs]) cb(online);
  };
  return {
    get online() {
      return online;
    },
    get reachable() {
      return reachable;
    },
    subscribe(cb) {
      subs.add(cb);
      return () => subs.delete(cb);
    },
    report(next) {
      reports++;
      set(next);
    },
    observe(transport) {
      return {
        async request(path, init) {
          const sentOffline = !online;
          const before = reports;
          try {
            const res = await transport.request(path, init);
            reachable = true;
            if (sentOffline && reports === before) set(true);
            return res;
          } catch (error) {
            if (error instanceof SynclineError && error.code === 'network') {
              reachable = false;
              hooks.unreachable?.();
            }
            throw error;
          }
        },
      };
    },
    clear() {
      subs.clear();
    },
  };
}

/** What every platform monitor shows of its {@link ObservedNetwork}: no `report` or `clear`. */
export type ObservedView = Pick<ObservedNetwork, 'online' | 'reachable' | 'subscribe' | 'observe'>;

/**
 * A platform monitor over `core`: its `online`, `reachable`, `subscribe` and `observe`, plus the
 * platform's own members in `extra` (getters stay getters), so each platform writes only what
 * differs. `M` is the platform's monitor type.
 *
 * @example
 * const core = observedNetwork(navigator.onLine);
 * const monitor = networkView<ObservedView & { dispose(): void }>(core, { dispose: () => core.clear() });
 */
export function networkView<M extends ObservedView>(
  core: ObservedNetwork,
  extra: Omit<M, keyof ObservedView>,
): M {
  const view: ObservedView = {
    get online() {
      return core.online;
    },
    get reachable() {
      return core.reachable;
    },
    subscribe: (cb) => core.subscribe(cb),
    observe: (transport) => core.observe(transport),
  };
  return Object.defineProperties(view, Object.getOwnPropertyDescriptors(extra)) as M;
}
