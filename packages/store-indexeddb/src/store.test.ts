import { runLocalStoreSuite } from '@syncline/client/conformance';
import { defineSchema, SynclineError, t } from '@syncline/core';
import { IDBFactory, IDBKeyRange } from 'fake-indexeddb';
import { describe, expect, test } from 'vitest';
import { committed, storageError } from './idb.ts';
import { createIndexedDbStore, deleteDatabase } from './index.ts';

const idb = { indexedDB: new IDBFactory(), IDBKeyRange };
let n = 0;

runLocalStoreSuite(
  'indexeddb (fake-indexeddb)',
  {
    create: (name) => createIndexedDbStore({ name, idb }),
    newLocation: () => `conformance-${n++}`,
    cleanup: (name) => deleteDatabase(idb.indexedDB, name),
  },
  { persistent: true },
);

const schema = defineSchema({ notes: { columns: { body: t.text() } } });

describe('IndexedDB store specifics', () => {
  test('a foreign await inside write() fails with a message that names the rule', async () => {
    const store = createIndexedDbStore({ name: `foreign-${n++}`, idb });
    await store.open(schema);
    const failed = store.write(async (tx) => {
      await tx.setMeta('a', 1);
      await new Promise((resolve) => setTimeout(resolve, 5));
      await tx.setMeta('b', 2);
    });
    await expect(failed).rejects.toThrow(/await only the transaction's own methods/);
    await store.close();
  });

  test('quota errors become SynclineError quota_exceeded with a message a person can act on', () => {
    const error = storageError(new DOMException('full', 'QuotaExceededError'));
    expect(error).toBeInstanceOf(SynclineError);
    expect(error.code).toBe('quota_exceeded');
    expect(error.message).toMatch(/not saved/);
  });

  test('a transaction aborted by the quota rejects its write with quota_exceeded, not silently', async () => {
    const tx = {} as { oncomplete?: () => void; onabort?: () => void; error: DOMException };
    const done = committed(tx as unknown as IDBTransaction);
    tx.error = new DOMException('The quota has been exceeded.', 'QuotaExceededError');
    tx.onabort?.();
    await expect(done).rejects.toMatchObject({ name: 'SynclineError', code: 'quota_exceeded' });
  });

  test('persisted() is null where there is no Storage API', async () => {
    const store = createIndexedDbStore({ name: `persist-${n++}`, idb });
    await store.open(schema);
    expect(await store.persisted()).toBeNull();
    await store.close();
  });
});
