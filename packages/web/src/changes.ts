import type { LocalStore, LocalWriteTx } from '@syncline/client';

/** What one committed transaction changed, as told to the other tabs. */
export interface ChangeNotice {
  type: 'syncline:changed';
  /** Collections whose records were written. */
  collections: string[];
  /** Whether the outbox changed (so `pending` changes and the leader has something to push). */
  outbox: boolean;
}

/** The BroadcastChannel subset used here; a test may pass a fake. */
export interface NoticeChannel {
  postMessage(message: unknown): void;
  addEventListener(type: 'message', cb: (event: MessageEvent) => void): void;
  removeEventListener(type: 'message', cb: (event: MessageEvent) => void): void;
  close(): void;
}

/** A LocalStore that tells other tabs (and the service worker) about each committed write. */
export interface SharedStore extends LocalStore {
  /** Calls `cb` for every change committed by another tab or worker on the same database. */
  onRemoteChange(cb: (notice: ChangeNotice) => void): () => void;
  /**
   * Posts a message to the other tabs on the store's channel (`connectTabs` posts the leader's
   * sync status). Its `type` must start with `syncline:` and must not be `syncline:changed`.
   */
  post(message: { type: `syncline:${string}`; [key: string]: unknown }): void;
  /** Calls `cb` for every message other tabs posted with {@link SharedStore.post}. */
  onMessage(cb: (message: { type: string }) => void): () => void;
}

function isNotice(data: unknown): data is ChangeNotice {
  return (
    typeof data === 'object' && data !== null && (data as { type?: unknown }).type === 'syncline:changed'
  );
}

/** The channel name for a database; tabs and the service worker must agree on it. */
export function channelName(database: string): string {
  return `syncline:${database}:changes`;
}

/**
 * Wraps a store so that every committed `write()` posts a {@link ChangeNotice} on a
 * BroadcastChannel, naming the collections and whether the outbox changed. The notice is posted
 * only after the commit, so a tab that re-reads on it sees the change. Every writer of the
 * database (each tab, the service worker) must use this wrapper so nobody misses a change.
 *
 * @example
 * const store = sharedStore(createIndexedDbStore({ name: 'todo' }), new BroadcastChannel(channelName('todo')));
 * store.onRemoteChange((n) => client.externalChange(n.collections));
 */
export function sharedStore(inner: LocalStore, channel: NoticeChannel): SharedStore {
  const subs = new Set<(notice: ChangeNotice) => void>();
  const others = new Set<(message: { type: string }) => void>();
  const onMessage = (event: MessageEvent) => {
    if (isNotice(event.data)) {
      for (const cb of [...subs]) cb(event.data);
      return;
    }
    const data = event.data as { type?: unknown } | null;
    if (typeof data?.type !== 'string' || !data.type.startsWith('syncline:')) return;
    for (const cb of [...others]) cb(data as { type: string });
  };
  const post = (message: unknown) => {
    try {
      channel.postMessage(message);
    } catch {
      // A closed channel (the page is unloading) has nobody left to tell.
    }
  };
  channel.addEventListener('message', onMessage);

  return {
    open: (schema) => inner.open(schema),
    read: (fn) => inner.read(fn),
    async write(fn) {
      const collections = new Set<string>();
      let outbox = false;
      const value = await inner.write((tx) => fn(tracking(tx, collections, () => (outbox = true))));
      if (collections.size || outbox) {
        const notice: ChangeNotice = { type: 'syncline:changed', collections: [...collections], outbox };
        post(notice);
      }
      return value;
    },
    async close() {
      channel.removeEventListener('message', onMessage);
      channel.close();
      subs.clear();
      others.clear();
      await inner.close();
    },
    onRemoteChange(cb) {
      subs.add(cb);
      return () => subs.delete(cb);
    },
    post,
    onMessage(cb) {
      others.add(cb);
      return () => others.delete(cb);
    },
  };
}

/** A write tx that records what it touches; the calls go straight to `tx` (no foreign awaits). */
function tracking(tx: LocalWriteTx, collections: Set<string>, outboxChanged: () => void): LocalWriteTx {
  const rec =
    <A extends unknown[], R>(f: (collection: string, ...rest: A) => Promise<R>) =>
    (collection: string, ...rest: A) => {
      collections.add(collection);
      return f.call(tx, collection, ...rest);
    };
  const box =
    <A extends unknown[], R>(f: (...args: A) => Promise<R>) =>
    (...args: A) => {
      outboxChanged();
      return f.apply(tx, args);
    };
  return {
    getRecord: (c, id) => tx.getRecord(c, id),
    getRecords: (c, ids) => tx.getRecords(c, ids),
    query: (c, q) => tx.query(c, q),
    outbox: (opts) => tx.outbox(opts),
    outboxCount: () => tx.outboxCount(),
    getMeta: <T>(key: string) => tx.getMeta<T>(key),
    rejections: () => tx.rejections(),
    putRecord: rec(tx.putRecord),
    putRecords: rec(tx.putRecords),
    deleteRecord: rec(tx.deleteRecord),
    markAll: rec(tx.markAll),
    sweepMarked: rec(tx.sweepMarked),
    addOutbox: box(tx.addOutbox),
    // Only where the store has it: without it the batch writes fall back to addOutbox.
    ...(tx.addOutboxMany ? { addOutboxMany: box(tx.addOutboxMany) } : {}),
    updateOutbox: box(tx.updateOutbox),
    removeOutbox: box(tx.removeOutbox),
    setMeta: (key, value) => tx.setMeta(key, value),
    deleteMeta: (key) => tx.deleteMeta(key),
    putRejection: (r) => tx.putRejection(r),
    removeRejection: (key) => tx.removeRejection(key),
  };
}
