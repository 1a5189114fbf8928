/**
 * `@syncline/electron/main`: serve the main process's client to the windows.
 *
 * @example
 * import { app, BrowserWindow, ipcMain, MessageChannelMain, net } from 'electron';
 * import { createRequire } from 'node:module';
 * const network = electronNetwork({ net });
 * const client = createClient({ schema, store, network, transport: network.observe(fetchTransport(url)) });
 * exposeSyncClient(client, { ipcMain, MessageChannelMain, network });
 * new BrowserWindow({ webPreferences: { preload: createRequire(import.meta.url).resolve('@syncline/electron/preload'), sandbox: true } });
 */
export {
  type HostOptions,
  type HostStats,
  type OnlineReports,
  type SyncHost,
  serveClient,
} from './main/host.ts';
export {
  type ExposedClient,
  type ExposeOptions,
  exposeSyncClient,
  type IpcMainEventLike,
  type IpcMainLike,
  type MessageChannelMainConstructor,
  type WebContentsLike,
} from './main/ipc.ts';
export { type ElectronNetwork, electronNetwork, type NetLike } from './main/network.ts';
export { electronPort, type MessagePortMainLike, nodePort } from './ports.ts';
