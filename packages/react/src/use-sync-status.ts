import type { SyncStatus } from '@syncline/client';
import { useCallback, useMemo, useSyncExternalStore } from 'react';
import { useSynclineClient } from './provider.tsx';

/**
 * The client's sync status — `online`, `connected`, `phase`, `progress`, `pending`,
 * `lastSyncedAt`, `error` — re-rendering on every change of it.
 *
 * @example
 * function SyncPanel() {
 *   const { connected, pending, lastSyncedAt } = useSyncStatus();
 *   return <p>{connected ? 'Connected' : 'Not connected'} · {pending} to sync · last {String(lastSyncedAt)}</p>;
 * }
 */
export function useSyncStatus(): SyncStatus {
  const client = useSynclineClient();
  const subscribe = useCallback((cb: () => void) => client.subscribe(cb), [client]);
  const get = useCallback(() => client.status, [client]);
  return useSyncExternalStore(subscribe, get, get);
}

/**
 * Whether the device is online (as the client's network monitor says). Re-renders only when
 * that changes, not on other status changes.
 *
 * @example
 * const online = useOnline();
 * return <button disabled={!online}>Share</button>;
 */
export function useOnline(): boolean {
  const client = useSynclineClient();
  const subscribe = useCallback((cb: () => void) => client.subscribe(cb), [client]);
  const get = useCallback(() => client.status.online, [client]);
  return useSyncExternalStore(subscribe, get, get);
}

/** What {@link useInitialSync} reports. */
export interface InitialSync {
  /** The first download (or the re-download of a reset collection) is running. */
  inProgress: boolean;
  /** 0 to 1: the share downloaded, from the server's estimate of what remains; 1 once done. */
  progress: number;
  /** A sync has completed at least once (on this device, possibly in an earlier session). */
  done: boolean;
}

/**
 * Progress of the initial download, for a progress bar. The client reports it from each pull
 * page's `remaining` estimate, so it moves page by page.
 *
 * @example
 * function FirstSync() {
 *   const { inProgress, progress } = useInitialSync();
 *   if (!inProgress) return null;
 *   return <progress value={progress} max={1} aria-label="Downloading your data" />;
 * }
 */
export function useInitialSync(): InitialSync {
  const client = useSynclineClient();
  const subscribe = useCallback((cb: () => void) => client.subscribe(cb), [client]);
  const inProgress = useSyncExternalStore(
    subscribe,
    () => client.status.phase === 'initial-sync',
    () => client.status.phase === 'initial-sync',
  );
  const progress = useSyncExternalStore(
    subscribe,
    () => client.status.progress,
    () => client.status.progress,
  );
  const done = useSyncExternalStore(
    subscribe,
    () => client.status.lastSyncedAt !== null,
    () => client.status.lastSyncedAt !== null,
  );
  return useMemo(
    () => ({
      inProgress,
      progress: inProgress ? Math.min(1, Math.max(0, progress ?? 0)) : done ? 1 : 0,
      done: done && !inProgress,
    }),
    [inProgress, progress, done],
  );
}
