/**
 * `@syncline/store-indexeddb`: the LocalStore of web apps and Electron renderers.
 *
 * @example
 * import { createIndexedDbStore } from '@syncline/store-indexeddb';
 * const store = createIndexedDbStore({ name: 'syncline:todo' });
 */

export { deleteDatabase, type IndexedDbGlobals, storageError } from './idb.ts';
export { createIndexedDbStore, type IndexedDbStore, type IndexedDbStoreOptions } from './store.ts';
