/**
 * `@syncline/electron`: one sync client in the main process (one store, one outbox, one loop),
 * every window reaching it through a preload bridge over a MessagePort. The halves are
 * `@syncline/electron/main` (`exposeSyncClient`, `electronNetwork`), `@syncline/electron/renderer`
 * (`createRendererClient`) and `@syncline/electron/preload` (the preload script's path). This
 * entry is what both halves share: the port adapters and the error codec.
 *
 * @example
 * import { nodePort } from '@syncline/electron';
 * host.connect(nodePort(port1)); // a worker_threads port, e.g. in tests
 */
export { reviveError, toWireError, type WireError } from './errors.ts';
export {
  type BridgePort,
  type DomMessagePortLike,
  domPort,
  electronPort,
  type MessagePortMainLike,
  type NodeMessagePortLike,
  nodePort,
} from './ports.ts';
export { BRIDGE_KEY, BRIDGE_PROTOCOL, CONNECT_CHANNEL, PORT_CHANNEL } from './protocol.ts';
