import { BRIDGE_KEY, CONNECT_CHANNEL, PORT_CHANNEL, PORT_MESSAGE } from '../protocol.ts';

/** The parts of Electron's renderer API the preload uses (`require('electron')` in a preload). */
export interface PreloadElectron {
  contextBridge: { exposeInMainWorld(key: string, api: unknown): void };
  ipcRenderer: {
    send(channel: string): void;
    on(channel: string, listener: (event: { ports: readonly unknown[] }) => void): unknown;
  };
}

/** The preload's `window` (the isolated world's view of it). */
export interface PreloadWindow {
  postMessage(message: unknown, targetOrigin: string, transfer?: unknown[]): void;
}

/**
 * What `@syncline/electron/preload` runs: exposes `window.synclineBridge = { connect }` and
 * nothing else (no `ipcRenderer`, no Node), and posts each port main sends on `syncline:port`
 * to the page. MessagePorts cannot cross `contextBridge`, so the port goes by
 * `window.postMessage` with the Syncline tag, as Electron's MessagePort guide does it.
 * `connect` takes no arguments and returns nothing, so the page cannot send main anything but
 * the request for a port.
 *
 * @example
 * // the published preload is exactly:
 * exposeBridge(require('electron'), window);
 */
export function exposeBridge(electron: PreloadElectron, win: PreloadWindow): void {
  const { contextBridge, ipcRenderer } = electron;
  ipcRenderer.on(PORT_CHANNEL, (event) => {
    const port = event.ports[0];
    if (port) win.postMessage(PORT_MESSAGE, '*', [port]);
  });
  contextBridge.exposeInMainWorld(BRIDGE_KEY, {
    connect: () => {
      ipcRenderer.send(CONNECT_CHANNEL);
    },
  });
}
