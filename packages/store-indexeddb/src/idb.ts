import { SynclineError } from '@syncline/core';

/** The IndexedDB globals the store uses; injectable so Node tests can pass fake-indexeddb. */
export interface IndexedDbGlobals {
  indexedDB: IDBFactory;
  IDBKeyRange: typeof IDBKeyRange;
}

/** The browser's IndexedDB, or an error that says why there is none. */
export function browserIndexedDb(): IndexedDbGlobals {
  const g = globalThis as { indexedDB?: IDBFactory; IDBKeyRange?: typeof IDBKeyRange };
  if (!g.indexedDB || !g.IDBKeyRange) {
    throw new SynclineError(
      'storage',
      'IndexedDB is not available here (an old browser, a private mode that disables it, or a non-browser runtime). Pass `idb` explicitly, e.g. fake-indexeddb in Node.',
    );
  }
  return { indexedDB: g.indexedDB, IDBKeyRange: g.IDBKeyRange };
}

/** Turns a DOMException from IndexedDB into a SynclineError a person can act on. */
export function storageError(cause: unknown): SynclineError {
  if (cause instanceof SynclineError) return cause;
  const name = (cause as { name?: unknown } | null)?.name;
  if (name === 'QuotaExceededError') {
    return new SynclineError(
      'quota_exceeded',
      'This change was not saved: the browser refused to store more data for this site (storage quota exceeded). Free some space on the device or clear data of other sites, then try again.',
      { cause },
    );
  }
  if (name === 'TransactionInactiveError' || name === 'InvalidStateError') {
    return new SynclineError(
      'storage',
      "An IndexedDB transaction was used after it had finished. Inside store.read(fn) or store.write(fn), await only the transaction's own methods: awaiting anything else lets IndexedDB commit early.",
      { cause },
    );
  }
  const message = (cause as { message?: unknown } | null)?.message;
  return new SynclineError(
    'storage',
    `The local database failed (${String(name ?? 'error')}: ${String(message ?? cause)}). Reloading the page usually helps.`,
    { cause },
  );
}

/**
 * A promise for one request. The error is mapped but not prevented, so a failed request aborts
 * its transaction (atomicity: a write never commits half of its effects).
 */
export function request<T>(req: IDBRequest<T>): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    req.onsuccess = () => resolve(req.result);
    req.onerror = () => reject(storageError(req.error));
  });
}

/**
 * Issues a request on `tx`'s store, turning a synchronous throw (the transaction already ended)
 * into a rejected promise with a clear message.
 */
export function call<T>(
  tx: IDBTransaction,
  storeName: string,
  fn: (store: IDBObjectStore) => IDBRequest<T>,
): Promise<T> {
  try {
    return request(fn(tx.objectStore(storeName)));
  } catch (cause) {
    return Promise.reject(storageError(cause));
  }
}

/** Resolves when `tx` commits; rejects (with the mapped cause) when it aborts. */
export function committed(tx: IDBTransaction): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    tx.oncomplete = () => resolve();
    tx.onabort = () =>
      reject(storageError(tx.error ?? new DOMException('The transaction was aborted.', 'AbortError')));
  });
}

/** Opens (and on first use creates) a database at `version`, running `upgrade` when needed. */
export function openDatabase(
  idb: IDBFactory,
  name: string,
  version: number,
  upgrade: (db: IDBDatabase) => void,
): Promise<IDBDatabase> {
  return new Promise<IDBDatabase>((resolve, reject) => {
    let req: IDBOpenDBRequest;
    try {
      req = idb.open(name, version);
    } catch (cause) {
      reject(storageError(cause));
      return;
    }
    req.onupgradeneeded = () => upgrade(req.result);
    req.onsuccess = () => resolve(req.result);
    req.onerror = () => reject(storageError(req.error));
    // Another connection holds an older version open; it closes on `versionchange` (see store.ts).
    req.onblocked = () => undefined;
  });
}

/** Deletes a database (tests and "forget this device"). */
export function deleteDatabase(idb: IDBFactory, name: string): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    const req = idb.deleteDatabase(name);
    req.onsuccess = () => resolve();
    req.onerror = () => reject(storageError(req.error));
  });
}
