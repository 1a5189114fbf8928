import type { SynclineClient } from '@syncline/client';
import type { SchemaDef } from '@syncline/core';
import type { ChangeNotice, SharedStore } from './changes.ts';
import { electLeader, type Leadership, type Locks } from './leadership.ts';

/**
 * What the engine must offer so that several tabs can share one database: being told that
 * another tab (or the service worker) committed changes. It re-runs the live queries of those
 * collections, refreshes `status.pending`, and, when the loop runs here, pushes soon.
 */
export interface ExternalChanges {
  externalChange(collections: readonly string[]): void;
}

export interface TabsOptions<S extends SchemaDef> {
  client: SynclineClient<S> & Partial<ExternalChanges>;
  /** The store the client was created with, wrapped by {@link sharedStore}. */
  store: SharedStore;
  /** Lock name; `syncLockName(database)`. */
  lock: string;
  locks?: Locks;
  /** Called when this tab gains or loses the sync loop (for a status line). */
  onLeaderChange?(leader: boolean): void;
  /** Where the leader coalesces other tabs' writes before syncing, without the engine hook. Default 50 ms. */
  debounceMs?: number;
}

export interface Tabs {
  readonly leadership: Leadership;
  /** Stops listening, resigns leadership (another tab takes over) and stops the loop here. */
  close(): Promise<void>;
}

/**
 * Runs the client's sync loop in exactly one tab of the origin and keeps every tab's live
 * queries current. Every tab writes to the shared IndexedDB database directly; the leader
 * pushes what any tab wrote and pulls for all of them.
 *
 * @example
 * const store = sharedStore(createIndexedDbStore({ name: 'todo' }), new BroadcastChannel(channelName('todo')));
 * const client = createClient({ schema, store, network: browserNetwork(), url: '/sync' });
 * const tabs = connectTabs({ client, store, lock: syncLockName('todo') });
 */
export function connectTabs<S extends SchemaDef>(options: TabsOptions<S>): Tabs {
  const { client } = options;
  let timer: ReturnType<typeof setTimeout> | undefined;
  // Without the engine hook the leader can still push other tabs' writes through sync().
  const syncSoon = () => {
    if (timer !== undefined) return;
    timer = setTimeout(() => {
      timer = undefined;
      if (leadership.isLeader) client.sync().catch(() => undefined);
    }, options.debounceMs ?? 50);
  };
  const onNotice = (notice: ChangeNotice) => {
    if (client.externalChange) client.externalChange(notice.collections);
    else if (notice.outbox && leadership.isLeader) syncSoon();
  };
  const stopListening = options.store.onRemoteChange(onNotice);
  const leadership = electLeader({
    lock: options.lock,
    ...(options.locks ? { locks: options.locks } : {}),
    async onLead() {
      options.onLeaderChange?.(true);
      await client.start();
    },
    onResign() {
      client.stop();
      options.onLeaderChange?.(false);
    },
  });
  return {
    leadership,
    async close() {
      stopListening();
      if (timer !== undefined) clearTimeout(timer);
      await leadership.resign();
    },
  };
}
