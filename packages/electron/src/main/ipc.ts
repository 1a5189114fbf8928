import type { SynclineClient } from '@syncline/client';
import type { SchemaDef } from '@syncline/core';
import { electronPort, type MessagePortMainLike } from '../ports.ts';
import { CONNECT_CHANNEL, PORT_CHANNEL } from '../protocol.ts';
import { type HostOptions, type SyncHost, serveClient } from './host.ts';

/**
 * The few pieces of Electron's main-process API the bridge uses, typed here so that this package
 * needs no `electron` install (its postinstall downloads a binary). Electron's own `ipcMain`,
 * `MessageChannelMain` and `WebContents` satisfy them.
 */
export interface WebContentsLike {
  readonly id: number;
  postMessage(channel: string, message: unknown, transfer?: MessagePortMainLike[]): void;
  once(event: 'destroyed', listener: () => void): unknown;
}

/** What `ipcMain.on` hands a listener: the sender, to answer it with a port. */
export interface IpcMainEventLike {
  readonly sender: WebContentsLike;
}

/** Electron's `ipcMain`, as far as the bridge uses it. */
export interface IpcMainLike {
  on(channel: string, listener: (event: IpcMainEventLike) => void): unknown;
  removeListener(channel: string, listener: (event: IpcMainEventLike) => void): unknown;
}

/** Electron's `MessageChannelMain` constructor. */
export type MessageChannelMainConstructor = new () => {
  readonly port1: MessagePortMainLike;
  readonly port2: MessagePortMainLike;
};

/** Options of {@link exposeSyncClient}. */
export interface ExposeOptions extends HostOptions {
  /** `import { ipcMain } from 'electron'`. */
  ipcMain: IpcMainLike;
  /** `import { MessageChannelMain } from 'electron'`. */
  MessageChannelMain: MessageChannelMainConstructor;
  /**
   * Which renderers may connect (default: every window that loads the preload). Check the
   * sender's URL here when the app also shows pages it does not trust.
   */
  allow?(sender: WebContentsLike): boolean;
}

/** The host, plus the IPC listener's removal. */
export interface ExposedClient extends SyncHost {
  /** Stops answering new connections and ends the current ones. */
  close(): void;
}

/**
 * Serves `client` (running in the main process) to every renderer that loads
 * `@syncline/electron/preload`. The preload asks on `syncline:connect`; this answers with one end
 * of a fresh `MessageChannelMain` and serves the other. A window that reloads asks again: its
 * previous connection is ended first, so a reload never leaves a subscription behind; a
 * destroyed window or a closed port ends its connection too.
 *
 * @example
 * import { app, BrowserWindow, ipcMain, MessageChannelMain, net } from 'electron';
 * const network = electronNetwork({ net });
 * const client = createClient({ schema, store, network, transport: network.observe(fetchTransport(url)) });
 * exposeSyncClient(client, { ipcMain, MessageChannelMain, network });
 * await client.start();
 */
export function exposeSyncClient<S extends SchemaDef>(
  client: SynclineClient<S>,
  options: ExposeOptions,
): ExposedClient {
  const host = serveClient(client, options);
  const bySender = new Map<number, () => void>();
  const onConnect = (event: IpcMainEventLike) => {
    const sender = event.sender;
    if (options.allow && !options.allow(sender)) return;
    const known = bySender.has(sender.id);
    bySender.get(sender.id)?.();
    const { port1, port2 } = new options.MessageChannelMain();
    const end = host.connect(electronPort(port1));
    bySender.set(sender.id, () => {
      bySender.delete(sender.id);
      end();
    });
    if (!known) sender.once('destroyed', () => bySender.get(sender.id)?.());
    sender.postMessage(PORT_CHANNEL, null, [port2]);
  };
  options.ipcMain.on(CONNECT_CHANNEL, onConnect);
  return {
    connect: host.connect,
    get stats() {
      return host.stats;
    },
    onStats: host.onStats,
    close() {
      options.ipcMain.removeListener(CONNECT_CHANNEL, onConnect);
      bySender.clear();
      host.close();
    },
  };
}
