/**
 * `@syncline/electron/renderer`: a window's client, talking to the main process's.
 *
 * @example
 * import { createRendererClient } from '@syncline/electron/renderer';
 * const client = createRendererClient({ schema });
 * const stop = client.db.tasks.watch({ where: { done: false } }, (rows) => render(rows));
 */

export { type BridgePort, domPort } from './ports.ts';
export {
  createRendererClient,
  type OnlineEvents,
  type RendererClient,
  type RendererClientOptions,
} from './renderer/client.ts';
export {
  type PortWindow,
  requestPort,
  type SynclineBridge,
  type WindowMessage,
} from './renderer/window-port.ts';
