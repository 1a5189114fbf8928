/**
 * RxDB 17 in a fresh process, on a free storage: `memory` (getRxStorageMemory: nothing on disk)
 * or `dexie` (getRxStorageDexie on fake-indexeddb: IndexedDB semantics, in memory). RxDB's free
 * SQLite storage (storage-sqlite trial) refuses more than 500 documents, so it is not used.
 *
 * - `sync <url>`: replicateRxCollection pulling from the fixture server's /rxdb/pull (checkpoint
 *   { id, updatedAt }, batchSize 1000), until the initial replication is done; then counts.
 * - `writes <singles> <bulk>`: p50/p99 of awaited single insert()s, then rows/s of one bulkInsert.
 * Prints one JSON line.
 */
import { createRxDatabase } from 'rxdb';
import { replicateRxCollection } from 'rxdb/plugins/replication';
import { getRxStorageMemory } from 'rxdb/plugins/storage-memory';
import { benchRow, report } from './rows.mjs';
import { timeSingles } from './timing.mjs';

const [scenario, storageName, ...args] = process.argv.slice(2);

async function storage() {
  if (storageName === 'dexie') {
    const { getRxStorageDexie } = await import('rxdb/plugins/storage-dexie');
    const { indexedDB, IDBKeyRange } = await import('fake-indexeddb');
    return getRxStorageDexie({ indexedDB, IDBKeyRange });
  }
  return getRxStorageMemory();
}

const schema = {
  version: 0,
  primaryKey: 'id',
  type: 'object',
  properties: {
    id: { type: 'string', maxLength: 16 },
    owner: { type: 'string' },
    title: { type: 'string' },
    note: { type: 'string' },
    done: { type: 'boolean' },
    rank: { type: 'integer' },
    updatedAt: { type: 'number' },
  },
  required: ['id', 'owner', 'title', 'done', 'rank'],
};

const db = await createRxDatabase({
  name: `bench${process.pid}`,
  storage: await storage(),
  multiInstance: false,
});
await db.addCollections({ tasks: { schema } });
const tasks = db.tasks;

if (scenario === 'sync') {
  const [url] = args;
  const t0 = performance.now();
  const replication = replicateRxCollection({
    collection: tasks,
    replicationIdentifier: `bench-${url}`,
    live: false,
    pull: {
      batchSize: 1000,
      async handler(checkpoint, batchSize) {
        const q = new URLSearchParams({ limit: String(batchSize) });
        if (checkpoint) q.set('id', checkpoint.id);
        const res = await fetch(`${url}/rxdb/pull?${q}`);
        return await res.json();
      },
    },
  });
  let failure = null;
  replication.error$.subscribe((e) => {
    failure = e;
  });
  await replication.awaitInitialReplication();
  const ms = performance.now() - t0;
  if (failure) throw failure;
  const rows = await tasks.count().exec();
  await replication.cancel();
  report({ ms, rows });
} else {
  const [singles, bulk] = args.map(Number);
  const single = await timeSingles(singles, (n) => tasks.insert(benchRow(n, 'w')));
  const docs = Array.from({ length: bulk }, (_, i) => benchRow(singles + i, 'w'));
  const t0 = performance.now();
  const { error } = await tasks.bulkInsert(docs);
  const ms = performance.now() - t0;
  if (error.length) throw new Error(`bulkInsert: ${error.length} errors`);
  report({ ...single, bulk: { rows: bulk, ms, how: 'bulkInsert' } });
}
