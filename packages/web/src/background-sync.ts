import type { SyncStatus } from '@syncline/client';

/** The default Background Sync tag; the service worker listens for the same one. */
export const SYNC_TAG = 'syncline-push';

/** `ServiceWorkerRegistration.sync` (Background Sync), absent from TypeScript's DOM lib. */
interface SyncManagerLike {
  register(tag: string): Promise<void>;
}

/**
 * Asks the browser to wake the service worker with a `sync` event once the network is back,
 * even if every tab is closed by then. Resolves false where Background Sync is unsupported
 * (Firefox, Safari): there the outbox is pushed the next time a tab runs.
 *
 * @example
 * await registerBackgroundSync();
 */
export async function registerBackgroundSync(
  tag = SYNC_TAG,
  container: ServiceWorkerContainer | undefined = globalThis.navigator?.serviceWorker,
): Promise<boolean> {
  if (!container) return false;
  const registration = await container.ready;
  const sync = (registration as ServiceWorkerRegistration & { sync?: SyncManagerLike }).sync;
  if (!sync) return false;
  await sync.register(tag);
  return true;
}

/** A status source: `client.subscribe` and `client.status`. */
export interface StatusSource {
  readonly status: SyncStatus;
  subscribe(cb: (status: SyncStatus) => void): () => void;
}

/**
 * Registers a Background Sync whenever writes are waiting and a push cannot happen: the device
 * is offline, or the last sync failed to reach the server. Registering an already registered tag
 * is a no-op for the browser, so this may fire often. Errors go to `onError` (the page must not
 * crash because a browser refused the registration).
 *
 * @example
 * backgroundSyncOnFailure(client, { onError: (e) => client.emit?.('error', e) });
 */
export function backgroundSyncOnFailure(
  source: StatusSource,
  options: {
    tag?: string;
    register?: (tag: string) => Promise<boolean>;
    onError?: (error: unknown) => void;
  } = {},
): () => void {
  const tag = options.tag ?? SYNC_TAG;
  const register = options.register ?? ((t: string) => registerBackgroundSync(t));
  let registered = false;
  const check = (s: SyncStatus) => {
    const stuck = s.pending > 0 && (!s.online || s.error?.code === 'network');
    if (!stuck) {
      // Once the outbox drains or the network is back, a later failure needs a new registration.
      if (s.pending === 0 || (s.online && !s.error)) registered = false;
      return;
    }
    if (registered) return;
    registered = true;
    register(tag).catch((error: unknown) => {
      registered = false;
      options.onError?.(error);
    });
  };
  check(source.status);
  return source.subscribe(check);
}
