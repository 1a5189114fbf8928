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
// `#kit` loads only the helpers below, for tests that drive the store themselves.
window.conformance = location.hash === '#kit' ? Promise.resolve([]) : runCollected();

/** Chromium-only checks driven from Node (quota, durability, persistence): the pieces they need. */
import { defineSchema, t } from '@syncline/core';

const durabilities: string[] = [];
const transaction = IDBDatabase.prototype.transaction;
// Records the options of every transaction, to check which durability each kind uses.
IDBDatabase.prototype.transaction = function (this: IDBDatabase, ...args: Parameters<typeof transaction>) {
  durabilities.push(`${args[1] ?? 'readonly'}:${args[2]?.durability ?? 'default'}`);
  return transaction.apply(this, args);
} as typeof transaction;

declare global {
  interface Window {
    kit: {
      createIndexedDbStore: typeof createIndexedDbStore;
      schema: ReturnType<typeof defineSchema>;
      durabilities: string[];
    };
  }
}
window.kit = {
  createIndexedDbStore,
  schema: defineSchema({ notes: { columns: { body: t.text() } } }),
  durabilities,
};
