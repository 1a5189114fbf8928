/**
 * S2 for Syncline, in a fresh process: a new client on a new SQLite file, never syncing.
 * `singles` awaited `insert()`s one after the other (p50/p99), then `bulk` rows in one
 * `insertMany()` (one local transaction with their outbox entries). Prints one JSON line.
 * Args: <singles> <bulk>.
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
  const rows = Array.from({ length: bulk }, (_, i) => data(singles + i));
  const t0 = performance.now();
  await client.db.tasks.insertMany(rows);
  const ms = performance.now() - t0;
  const stored = (await client.db.tasks.find()).length;
  if (stored !== singles + bulk) throw new Error(`expected ${singles + bulk} rows, found ${stored}`);
  await client.close();
  printResult({ ...single, bulk: { rows: bulk, ms, how: 'insertMany() (one local transaction)' } });
} finally {
  rmSync(dir, { recursive: true, force: true });
}
