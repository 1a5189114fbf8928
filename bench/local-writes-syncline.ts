/**
 * S2 for Syncline, in a fresh process: a new client on a new SQLite file, never syncing.
 * `singles` awaited `insert()`s one after the other (p50/p99), then `bulk` inserts the fastest
 * way the API allows: it has no batch or transaction API, so both `insert()` awaited in a loop
 * and all `insert()` calls in flight at once (`Promise.all`) are timed, and the faster counts. Prints one JSON line. Args: <singles> <bulk>.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createClient } from '@syncline/client';
import { createSqliteLocalStore } from '@syncline/store-sqlite';
import { benchSchema } from './push-schema.ts';
import { printResult } from './result-line.ts';
import { benchRow } from './rows.ts';
import { timeSingles } from './timing.ts';

const [singles, bulk] = process.argv.slice(2).map(Number) as [number, number];
const dir = mkdtempSync(join(tmpdir(), 'syncline-bench-writes-'));
const data = (n: number) => {
  const { id: _id, ...row } = benchRow(n, 'w');
  return row;
};
try {
  const client = createClient({
    schema: benchSchema,
    // Never started: the writes stay local, no push runs during the measurement.
    url: 'http://127.0.0.1:9/sync',
    store: createSqliteLocalStore({ path: join(dir, 'client.db') }),
    realtime: false,
  });
  await client.ready();
  const single = await timeSingles(singles, (n) => client.db.tasks.insert(data(n)));
  let t0 = performance.now();
  for (let i = 0; i < bulk; i++) await client.db.tasks.insert(data(singles + i));
  const sequentialMs = performance.now() - t0;
  t0 = performance.now();
  await Promise.all(Array.from({ length: bulk }, (_, i) => client.db.tasks.insert(data(singles + bulk + i))));
  const concurrentMs = performance.now() - t0;
  const rows = (await client.db.tasks.find()).length;
  if (rows !== singles + 2 * bulk) throw new Error(`expected ${singles + 2 * bulk} rows, found ${rows}`);
  await client.close();
  const sequentialWins = sequentialMs <= concurrentMs;
  printResult({
    ...single,
    bulk: {
      rows: bulk,
      ms: Math.min(sequentialMs, concurrentMs),
      how: sequentialWins
        ? 'insert() awaited in a loop (no batch API)'
        : 'Promise.all of insert() (no batch API)',
      sequentialMs,
      concurrentMs,
    },
  });
} finally {
  rmSync(dir, { recursive: true, force: true });
}
