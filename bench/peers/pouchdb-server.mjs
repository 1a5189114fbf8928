/**
 * PouchDB's server for S1: express-pouchdb (the CouchDB HTTP API) over pouchdb-node (LevelDB via
 * leveldown) in a fresh temporary folder, seeded with the bench rows by bulkDocs.
 * Prints `{ "url": …, "seedMs": … }` when ready; SIGTERM closes it and removes the folder.
 * Env: BENCH_ROWS.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import expressPouchdb from 'express-pouchdb';
import PouchDB from 'pouchdb-node';
import { benchRow } from './rows.mjs';

const dir = mkdtempSync(join(tmpdir(), 'pouch-server-'));
const Pouch = PouchDB.defaults({ prefix: `${dir}/` });
const count = Number(process.env.BENCH_ROWS ?? 0);
// The app first: express-pouchdb serves only databases created after it (its all-dbs registry).
// Served as it is (its own Express 4): mounted in an Express 5 app, its routes break (req.query).
const app = expressPouchdb(Pouch, { mode: 'minimumForPouchDB', logPath: join(dir, 'log.txt') });
const t0 = performance.now();
const db = new Pouch('tasks');
for (let from = 0; from < count; from += 1000) {
  const docs = [];
  for (let n = from; n < Math.min(count, from + 1000); n++) {
    const { id, ...rest } = benchRow(n);
    docs.push({ _id: id, ...rest });
  }
  await db.bulkDocs(docs);
}
const seedMs = performance.now() - t0;
const server = app.listen(0, '127.0.0.1', () => {
  console.log(JSON.stringify({ url: `http://127.0.0.1:${server.address().port}`, seedMs }));
});
process.on('SIGTERM', () => {
  server.close();
  server.closeAllConnections?.();
  rmSync(dir, { recursive: true, force: true });
  process.exit(0);
});
