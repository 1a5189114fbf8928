import {
  alwaysOnline,
  type NetworkMonitor,
  networkView,
  observedNetwork,
  type Transport,
} from '@syncline/client';
import type { OnlineReports } from './host.ts';

/** Electron's `net` module, as far as the monitor uses it. */
export interface NetLike {
  isOnline(): boolean;
}

/** A {@link NetworkMonitor} for the main process, fed by `net` and by the renderers. */
export interface ElectronNetwork extends NetworkMonitor, OnlineReports {
  /**
   * Whether the last sync request reached the server: true, false (it failed to connect), or
   * null before any request. Online is not reachable: a captive portal or a down server leave
   * the machine online and the server unreachable.
   */
  readonly reachable: boolean | null;
  /** Reads `net.isOnline()` again (the monitor does on every report and failed request). */
  check(): void;
  /** Wraps a transport so every request teaches the monitor about reachability. */
  observe(transport: Transport): Transport;
}

/**
 * The main process's network monitor. Electron's `net.isOnline()` is the operating system's
 * view, but `net` has no change events; the renderers' `online`/`offline` events (which the
 * renderer client forwards over the bridge, `exposeSyncClient({ network })` hands them here)
 * are the change signal, and requests tell the rest: a request sent while the monitor said
 * offline that reached the server proves the machine online, and a failed one re-reads
 * `net.isOnline()`.
 *
 * @example
 * import { net } from 'electron';
 * const network = electronNetwork({ net });
 * const client = createClient({ schema, store, network, transport: network.observe(fetchTransport(url)) });
 * exposeSyncClient(client, { ipcMain, MessageChannelMain, network });
 */
export function electronNetwork(options: { net: NetLike }): ElectronNetwork {
  const { net } = options;
  // A request that failed to connect re-reads the OS's view.
  const core = observedNetwork(safeIsOnline(net), { unreachable: () => core.report(safeIsOnline(net)) });
  return networkView(core, {
    // A renderer's event is believed either way: Chromium derives `navigator.onLine` from the
    // same OS signal as `net.isOnline()`, and a wrong "online" is corrected by the next request.
    report: (next) => core.report(next),
    check: () => core.report(safeIsOnline(net)),
  });
}

function safeIsOnline(net: NetLike): boolean {
  try {
    return net.isOnline();
  } catch {
    // Before `app.ready` `net` may throw: assume online, and let requests tell.
    return alwaysOnline().online;
  }
}
