import type { SynclineClient } from '@syncline/client';
import type { SchemaDef } from '@syncline/core';
import type { ChangeNotice, SharedStore } from './changes.ts';
import { electLeader, type Leadership, type Locks } from './leadership.ts';
import { mirrorStatus } from './status-mirror.ts';

/** Options of {@link connectTabs}. */
export interface TabsOptions<S extends SchemaDef> {
  /** This tab's client, created on the shared store. */
  client: SynclineClient<S>;
  /** The store the client was created with, wrapped by {@link sharedStore}. */
  store: SharedStore;
  /** Lock name; `syncLockName(database)`. */
  lock: string;
  /** Web Locks to use; default `navigator.locks`. */
  locks?: Locks;
  /** Called when this tab gains or loses the sync loop (for a status line). */
  onLeaderChange?(leader: boolean): void;
}

/** What {@link connectTabs} returns: this tab's leadership, and `close()` to leave the group. */
export interface Tabs {
  readonly leadership: Leadership;
  /** Stops listening, resigns leadership (another tab takes over) and stops the loop here. */
  close(): Promise<void>;
}

/**
 * Runs the client's sync loop in exactly one tab of the origin and keeps every tab's live
 * queries current. Every tab writes to the shared IndexedDB database directly; the leader
 * pushes what any tab wrote and pulls for all of them (and only it opens the realtime socket).
 * Followers show the leader's `connected`, `realtime`, `phase`, `progress` and `lastSyncedAt`
 * in their `client.status` (posted on the store's channel); a tab that becomes the leader
 * shows its own again.
 *
 * @example
 * const store = sharedStore(createIndexedDbStore({ name: 'todo' }), new BroadcastChannel(channelName('todo')));
 * const client = createClient({ schema, store, network: browserNetwork(), url: '/sync' });
 * const tabs = connectTabs({ client, store, lock: syncLockName('todo') });
 */
export function connectTabs<S extends SchemaDef>(options: TabsOptions<S>): Tabs {
  const { client } = options;
  // Another tab committed: re-run live queries here; the engine pushes soon if this tab leads.
  const stopListening = options.store.onRemoteChange((notice: ChangeNotice) =>
    client.externalChange(notice.collections),
  );
  const status = mirrorStatus(client, options.store);
  const leadership = electLeader({
    lock: options.lock,
    ...(options.locks ? { locks: options.locks } : {}),
    async onLead() {
      status.lead();
      options.onLeaderChange?.(true);
      await client.start();
    },
    async onResign() {
      // The lock is released only after this tab's cycle in flight settled: never two pushers.
      await client.stop();
      status.follow();
      options.onLeaderChange?.(false);
    },
  });
  // Until elected (perhaps never), show the leader's status.
  if (!leadership.isLeader) status.follow();
  return {
    leadership,
    async close() {
      stopListening();
      await leadership.resign();
      status.close();
    },
  };
}
