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
