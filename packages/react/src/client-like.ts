import type { ClientRejection, FindQuery, SyncStatus } from '@syncline/client';

/**
 * What the hooks need from one collection: a live query. `client.db.tasks` of `@syncline/client`
 * has it; so can a bridge to a client in another process (an Electron renderer talking to the
 * main process), as long as `watch` calls back with the full result whenever it changes.
 *
 * Pass the same object on every render (`client.db.tasks` is): a new object starts a new query.
 *
 * @example
 * const tasks: LiveCollection<Task> = client.db.tasks;
 * const stop = tasks.watch({ where: { done: false } }, (rows) => (badge.textContent = String(rows.length)));
 */
export interface LiveCollection<R> {
  /**
   * Calls `cb` with the result now and after every change that alters it; `onError` when a run
   * fails. Returns the function that stops the query.
   */
  watch(query: FindQuery<R>, cb: (rows: R[]) => void, onError?: (error: unknown) => void): () => void;
}

/**
 * What the provider's client must offer: status, rejections and pending state. A
 * `SynclineClient` of `@syncline/client` is one; a renderer-side bridge can implement it too.
 *
 * @example
 * const client: SynclineClientLike = createClient({ schema, store, url: '/sync' });
 * <SynclineProvider client={client}>…</SynclineProvider>
 */
export interface SynclineClientLike {
  /** The current status; the same object until something in it changes. */
  readonly status: SyncStatus;
  /** Calls `cb` on every status change; returns unsubscribe. */
  subscribe(cb: (status: SyncStatus) => void): () => void;
  /** Listens for new rejections; returns unsubscribe. */
  on(event: 'rejected', cb: (rejection: ClientRejection) => void): () => void;
  /** Whether the record has local changes the server has not answered yet. */
  isPending(id: string, collection?: string): Promise<boolean>;
  /** Stored rejections not yet dismissed, oldest first. */
  rejections(): Promise<ClientRejection[]>;
  /** Forgets a stored rejection. */
  dismiss(key: string): Promise<void>;
  /** Re-applies the change of a `conflict` rejection on top of the current version. */
  reapply(key: string): Promise<unknown>;
}
