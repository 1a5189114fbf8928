/**
 * `@syncline/web/service-worker`: import this in your service worker (not in pages).
 *
 * @example
 * // sw.ts
 * handleBackgroundSync(self, {
 *   lock: syncLockName('todo'),
 *   push: async () => {
 *     const store = sharedStore(createIndexedDbStore({ name: 'todo' }), new BroadcastChannel(channelName('todo')));
 *     const client = createClient({ schema, store, url: '/sync', auth: { getToken: readStoredToken } });
 *     try { await client.sync(); } finally { await client.close(); }
 *   },
 * });
 */
import { SYNC_TAG } from './background-sync.ts';
import type { Locks } from './leadership.ts';

export { SYNC_TAG } from './background-sync.ts';
export { channelName, sharedStore } from './changes.ts';
export { syncLockName } from './leadership.ts';

/** The Background Sync `sync` event (not in TypeScript's DOM lib). */
export interface SyncEventLike extends Event {
  readonly tag: string;
  /** True on the browser's final retry for this registration. */
  readonly lastChance: boolean;
  waitUntil(p: Promise<unknown>): void;
}

/** The worker global scope subset used here. */
export interface SyncScope {
  addEventListener(type: 'sync', cb: (event: SyncEventLike) => void): void;
  removeEventListener(type: 'sync', cb: (event: SyncEventLike) => void): void;
  readonly navigator: { readonly locks: Locks };
}

/** Options of {@link handleBackgroundSync}. */
export interface BackgroundSyncOptions {
  /** The sync lock; the same name the tabs elect their leader with (`syncLockName(database)`). */
  lock: string;
  /** Pushes the outbox (and may pull): typically a short-lived client's `sync()`. Throw to be retried. */
  push(event: SyncEventLike): Promise<void>;
  /** The Background Sync tag to answer; default `SYNC_TAG`, the one the tabs register. */
  tag?: string;
}

/**
 * Pushes the outbox when the browser fires the Background Sync `sync` event — also when no tab
 * of the app is open. It takes the leader's lock without waiting: if a tab holds it, that tab's
 * loop is already syncing, so the event succeeds at once. A failed push rejects the event, and
 * the browser retries it later with its own backoff.
 */
export function handleBackgroundSync(scope: SyncScope, options: BackgroundSyncOptions): () => void {
  const tag = options.tag ?? SYNC_TAG;
  const onSync = (event: SyncEventLike) => {
    if (event.tag !== tag) return;
    event.waitUntil(
      scope.navigator.locks.request(options.lock, { ifAvailable: true }, async (lock) => {
        if (!lock) return; // A leader tab runs the loop; it pushes the same outbox.
        await options.push(event);
      }),
    );
  };
  scope.addEventListener('sync', onSync);
  return () => scope.removeEventListener('sync', onSync);
}
