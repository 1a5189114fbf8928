import { type NetworkMonitor, networkView, observedNetwork, type Transport } from '@syncline/client';

/**
 * The fields of `@react-native-community/netinfo`'s `NetInfoState` the monitor reads. `null` means
 * "not known yet" (NetInfo ≥ 6 starts with `isConnected: null`, and `isInternetReachable` stays
 * null until its reachability check answers); some versions leave `isInternetReachable` undefined.
 *
 * @example
 * const state: NetInfoStateLike = await NetInfo.fetch();
 */
export interface NetInfoStateLike {
  /** `none`, `unknown`, `wifi`, `cellular`, `ethernet`, `bluetooth`, `wimax`, `vpn`, `other`. */
  readonly type: string;
  readonly isConnected: boolean | null;
  readonly isInternetReachable?: boolean | null | undefined;
}

/**
 * The part of NetInfo's default export the monitor uses (pass `NetInfo` itself).
 *
 * @example
 * import NetInfo from '@react-native-community/netinfo';
 * const source: NetInfoLike = NetInfo;
 */
export interface NetInfoLike {
  /** Calls `listener` with the current state soon after subscribing, then on every change. */
  addEventListener(listener: (state: NetInfoStateLike) => void): () => void;
  /** The current state, once (the monitor asks at start so it does not wait for a change). */
  fetch?(): Promise<NetInfoStateLike>;
}

/**
 * Whether a NetInfo state means online. Only a definite `false` is offline: `isConnected: false`
 * (no link, `type: 'none'`), or `isInternetReachable: false` (a link, but NetInfo's reachability
 * check failed). `null`/`undefined` is "unknown", which is not "offline": the loop then tries,
 * and the outcome of real requests says whether the server is reachable.
 *
 * @example
 * netInfoOnline({ type: 'wifi', isConnected: true, isInternetReachable: null }); // true
 * netInfoOnline({ type: 'none', isConnected: false, isInternetReachable: false }); // false
 */
export function netInfoOnline(state: NetInfoStateLike): boolean {
  return state.isConnected !== false && state.isInternetReachable !== false;
}

/**
 * A {@link NetworkMonitor} on NetInfo, plus what real requests taught it.
 *
 * @example
 * const network = netInfoNetwork(NetInfo);
 * network.subscribe((online) => setBannerVisible(!online));
 * if (network.online && network.reachable === false) showServerDown();
 */
export interface NetInfoNetwork extends NetworkMonitor {
  /** The last NetInfo state seen, or null before the first. */
  readonly state: NetInfoStateLike | null;
  /**
   * Whether the last sync request reached the server: true, false (it could not connect), or
   * null before any request. NetInfo's "online" is not "server reachable" (a captive portal, a
   * server that is down).
   */
  readonly reachable: boolean | null;
  /** Wraps a transport so every request teaches the monitor about reachability. */
  observe(transport: Transport): Transport;
  /** Stops listening to NetInfo. */
  dispose(): void;
}

/**
 * Watches NetInfo (`@react-native-community/netinfo`, injected: it cannot load outside React
 * Native). Online until NetInfo says otherwise, since "unknown" is not "offline"; offline on
 * `isConnected: false` or `isInternetReachable: false`. NetInfo's reachability check requests
 * its own URL (Google's by default), which some networks block: a response from the sync server
 * to a request sent while the monitor said offline proves it wrong, and it turns online until
 * NetInfo's next change.
 *
 * @example
 * import NetInfo from '@react-native-community/netinfo';
 *
 * const network = netInfoNetwork(NetInfo);
 * const client = createClient({ schema, store, network, transport: network.observe(fetchTransport(url)) });
 */
export function netInfoNetwork(netInfo: NetInfoLike): NetInfoNetwork {
  const core = observedNetwork(true);
  let state: NetInfoStateLike | null = null;
  let updates = 0;
  let disposed = false;
  const update = (next: NetInfoStateLike) => {
    if (disposed) return;
    updates++;
    state = next;
    core.report(netInfoOnline(next));
  };
  const unsubscribe = netInfo.addEventListener(update);
  // A fetch answered after a listener update is older news: only the first word counts.
  netInfo.fetch?.().then(
    (first) => {
      if (updates === 0) update(first);
    },
    () => undefined,
  );
  return networkView(core, {
    get state() {
      return state;
    },
    dispose() {
      disposed = true;
      unsubscribe();
      core.clear();
    },
  });
}
