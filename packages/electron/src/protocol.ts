/**
 * The messages between a renderer and the main process, over one MessagePort per renderer.
 * Everything in them survives the structured clone (plain objects, arrays, numbers, strings,
 * null); errors travel as {@link WireError} and are rebuilt as `SynclineError` on arrival.
 *
 * History: 1 — calls, watches, status, events, online reports.
 */
import type { ClientRejection, SyncStatus } from '@syncline/client';
import type { WireError } from './errors.ts';

/** The bridge's protocol version, sent in `hello`. */
export const BRIDGE_PROTOCOL = 1;

/** IPC channel the preload asks for a port on (renderer → main, `ipcRenderer.send`). */
export const CONNECT_CHANNEL = 'syncline:connect';
/** IPC channel main answers on with the port (`webContents.postMessage`). */
export const PORT_CHANNEL = 'syncline:port';
/** The key the preload exposes in the renderer's main world. */
export const BRIDGE_KEY = 'synclineBridge';
/** The `window.postMessage` payload that carries the port from the preload to the page. */
export const PORT_MESSAGE = { syncline: 'port' } as const;

/** Methods a renderer may call on a collection. */
export const COLLECTION_METHODS = [
  'insert',
  'update',
  'delete',
  'insertMany',
  'updateMany',
  'deleteMany',
  'get',
  'find',
  'isPending',
] as const;
export type CollectionMethod = (typeof COLLECTION_METHODS)[number];
/** Methods a renderer may call on the client. */
export const CLIENT_METHODS = ['sync', 'pull', 'isPending', 'rejections', 'dismiss', 'reapply'] as const;
export type ClientMethod = (typeof CLIENT_METHODS)[number];

/** A status as it crosses: its error as a {@link WireError}. */
export type WireStatus = Omit<SyncStatus, 'error'> & { error: WireError | null };

/** Renderer → main. */
export type RendererMessage =
  | { t: 'call'; id: number; collection: string; method: CollectionMethod; args: unknown[] }
  | { t: 'call'; id: number; collection?: undefined; method: ClientMethod; args: unknown[] }
  | { t: 'watch'; id: number; collection: string; query: unknown }
  | { t: 'unwatch'; id: number }
  | { t: 'online'; online: boolean }
  | { t: 'bye' };

/** Main → renderer. */
export type MainMessage =
  | { t: 'hello'; protocol: number; status: WireStatus; collections: string[] }
  | { t: 'status'; status: WireStatus }
  | { t: 'result'; id: number; ok: true; value: unknown }
  | { t: 'result'; id: number; ok: false; error: WireError }
  | { t: 'rows'; id: number; rows: unknown[] }
  | { t: 'watch-error'; id: number; error: WireError }
  | { t: 'rejected'; rejection: ClientRejection }
  | { t: 'reset'; collection: string }
  | { t: 'error'; error: WireError };

/** Whether `m` is an object with a string `t` (the only shape either side acts on). */
export function isMessage(m: unknown): m is { t: string } {
  return typeof m === 'object' && m !== null && typeof (m as { t?: unknown }).t === 'string';
}
