/**
 * `@syncline/store-indexeddb`: the LocalStore of web apps and Electron renderers.
 *
 * @example
 * import { createIndexedDbStore } from '@syncline/store-indexeddb';
 * const store = createIndexedDbStore({ name: 'syncline:todo' });
 */
export { createIndexedDbStore, type IndexedDbStore, type IndexedDbStoreOptions } from './store.ts';
export { deleteDatabase, storageError, type IndexedDbGlobals } from './idb.ts';
