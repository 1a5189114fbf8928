/**
 * PouchDB 9 (pouchdb-node: LevelDB via leveldown, in a fresh temporary folder) in a fresh process.
 *
 * - `sync <server url>`: one-shot `replicate.from` the express-pouchdb server's `tasks`
 *   (batch_size 1000), then counts the documents.
 * - `writes <singles> <bulk>`: p50/p99 of awaited single put()s, then rows/s of one bulkDocs.
 * Prints one JSON line.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import PouchDB from 'pouchdb-node';
import { benchRow, report } from './rows.mjs';
import { timeSingles } from './timing.mjs';

const [scenario, ...args] = process.argv.slice(2);
const dir = mkdtempSync(join(tmpdir(), 'pouch-client-'));
const doc = (n) => {
  const { id, ...rest } = benchRow(n, 'w');
  return { _id: id, ...rest };
};
try {
  const local = new PouchDB(join(dir, 'tasks'));
  if (scenario === 'sync') {
    const [url] = args;
    const t0 = performance.now();
    await local.replicate.from(`${url}/tasks`, { batch_size: 1000, batches_limit: 4 });
    const ms = performance.now() - t0;
    const rows = (await local.info()).doc_count;
    await local.close();
    report({ ms, rows });
  } else {
    const [singles, bulk] = args.map(Number);
    const single = await timeSingles(singles, (n) => local.put(doc(n)));
    const docs = Array.from({ length: bulk }, (_, i) => doc(singles + i));
    const t0 = performance.now();
    const answers = await local.bulkDocs(docs);
    const ms = performance.now() - t0;
    if (answers.some((a) => a.error)) throw new Error('bulkDocs failed');
    await local.close();
    report({ ...single, bulk: { rows: bulk, ms, how: 'bulkDocs' } });
  }
} finally {
  rmSync(dir, { recursive: true, force: true });
}
