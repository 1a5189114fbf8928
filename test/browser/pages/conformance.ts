/** The LocalStore conformance suite inside Chromium, on its real IndexedDB. */
import { runLocalStoreSuite } from '@syncline/client/conformance';
import { createIndexedDbStore, deleteDatabase } from '@syncline/store-indexeddb';
import { runCollected, type TestResult } from './vitest-shim.ts';

let n = 0;
runLocalStoreSuite(
  'indexeddb (Chromium)',
  {
    create: (name) => createIndexedDbStore({ name }),
    newLocation: () => `conformance-${Date.now()}-${n++}`,
    cleanup: (name) => deleteDatabase(indexedDB, name),
  },
  { persistent: true },
);

declare global {
  interface Window {
    conformance: Promise<TestResult[]>;
  }
}
window.conformance = runCollected();
