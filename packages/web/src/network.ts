import { type NetworkMonitor, networkView, observedNetwork, type Transport } from '@syncline/client';

/** The parts of `window` (or a worker's `self`) the monitor reads; injectable for tests. */
export interface OnlineSource {
  readonly navigator: { readonly onLine: boolean };
  addEventListener(type: 'online' | 'offline', cb: () => void): void;
  removeEventListener(type: 'online' | 'offline', cb: () => void): void;
}

/** A {@link NetworkMonitor} for browsers, plus what real requests taught it. */
export interface BrowserNetwork extends NetworkMonitor {
  /**
   * Whether the last sync request reached the server: true, false (it failed to connect), or
   * null before any request. "Online" is not "server reachable": a captive portal or a down
   * server leave the device online but the server unreachable.
   */
  readonly reachable: boolean | null;
  /** Wraps a transport so every request teaches the monitor about reachability. */
  observe(transport: Transport): Transport;
  /** Stops listening to the window's events. */
  dispose(): void;
}

/**
 * Watches `navigator.onLine` and the `online`/`offline` events. A browser that says "offline"
 * is believed (it knows the link is down); one that says "online" may be wrong, so `reachable`
 * tells whether requests really get through. A response to a request sent while the browser
 * claimed to be offline proves it wrong, and the monitor turns online; a response to one sent
 * before the browser went offline proves nothing (it may have crossed the `offline` event).
 *
 * @example
 * const network = browserNetwork();
 * const client = createClient({ schema, store, network, transport: network.observe(fetchTransport('/sync')) });
 * network.subscribe((online) => banner.hidden = online);
 */
export function browserNetwork(source: OnlineSource = globalThis as unknown as OnlineSource): BrowserNetwork {
  const core = observedNetwork(source.navigator.onLine);
  const onOnline = () => core.report(true);
  const onOffline = () => core.report(false);
  source.addEventListener('online', onOnline);
  source.addEventListener('offline', onOffline);
  return networkView(core, {
    dispose() {
      source.removeEventListener('online', onOnline);
      source.removeEventListener('offline', onOffline);
      core.clear();
    },
  });
}
