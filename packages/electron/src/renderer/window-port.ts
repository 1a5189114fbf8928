import { SynclineError } from '@syncline/core';
import { type BridgePort, type DomMessagePortLike, domPort } from '../ports.ts';
import { BRIDGE_KEY, PORT_MESSAGE } from '../protocol.ts';

/** What the preload puts in the page: one function that asks main for a port. */
export interface SynclineBridge {
  /** Asks the main process for a fresh port; it arrives as a `window` message (see {@link requestPort}). */
  connect(): void;
}

/** The parts of `window` {@link requestPort} uses; injectable for tests. */
export interface PortWindow {
  readonly [BRIDGE_KEY]?: SynclineBridge;
  addEventListener(type: 'message', cb: (event: WindowMessage) => void): void;
  removeEventListener(type: 'message', cb: (event: WindowMessage) => void): void;
}

/** The fields of a window `message` event read here. */
export interface WindowMessage {
  readonly source: unknown;
  readonly data: unknown;
  readonly ports: readonly DomMessagePortLike[];
}

/**
 * Asks the preload for a port to the main process and resolves with it, adapted. A
 * context-isolated preload cannot pass a MessagePort through `contextBridge`, so it posts the
 * port to its own window (Electron's documented pattern); only a message from this window with
 * the Syncline tag is taken.
 *
 * @example
 * const client = createRendererClient({ schema, port: requestPort() }); // what the default does
 */
export function requestPort(target: PortWindow = globalThis as unknown as PortWindow): Promise<BridgePort> {
  const bridge = target[BRIDGE_KEY];
  if (!bridge || typeof bridge.connect !== 'function') {
    return Promise.reject(
      new SynclineError(
        'invalid',
        `window.${BRIDGE_KEY} is missing: this window was opened without Syncline's preload. Set webPreferences.preload to require.resolve('@syncline/electron/preload') when creating the BrowserWindow, and call exposeSyncClient in the main process.`,
      ),
    );
  }
  return new Promise((resolve) => {
    const onMessage = (event: WindowMessage) => {
      const data = event.data as { syncline?: unknown } | null;
      const port = event.ports?.[0];
      if (event.source !== target || data?.syncline !== PORT_MESSAGE.syncline || !port) return;
      target.removeEventListener('message', onMessage);
      resolve(domPort(port));
    };
    target.addEventListener('message', onMessage);
    bridge.connect();
  });
}
