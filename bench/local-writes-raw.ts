/**
 * S2's raw baseline, in a fresh process: better-sqlite3 on a new file (WAL, synchronous=NORMAL),
 * the same table shape. `singles` autocommitted INSERTs one after the other (p50/p99), then
 * `bulk` INSERTs in one transaction. Prints one JSON line. Args: <singles> <bulk>.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { printResult } from './result-line.ts';
import { type BenchRow, benchRow } from './rows.ts';
import { timeSingles } from './timing.ts';

const [singles, bulk] = process.argv.slice(2).map(Number) as [number, number];
const dir = mkdtempSync(join(tmpdir(), 'syncline-bench-raw-writes-'));
try {
  const db = new Database(join(dir, 'raw.db'));
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = NORMAL');
  db.exec(
    'CREATE TABLE tasks (id TEXT PRIMARY KEY, owner TEXT NOT NULL, title TEXT NOT NULL, note TEXT, done INTEGER NOT NULL, rank INTEGER NOT NULL)',
  );
  const stmt = db.prepare('INSERT INTO tasks (id, owner, title, note, done, rank) VALUES (?, ?, ?, ?, ?, ?)');
  const insert = (r: BenchRow) => stmt.run(r.id, r.owner, r.title, r.note, r.done ? 1 : 0, r.rank);
  const single = await timeSingles(singles, async (n) => {
    insert(benchRow(n, 'w'));
  });
  const rows = Array.from({ length: bulk }, (_, i) => benchRow(singles + i, 'w'));
  const t0 = performance.now();
  db.transaction(() => {
    for (const r of rows) insert(r);
  })();
  const ms = performance.now() - t0;
  db.close();
  printResult({ ...single, bulk: { rows: bulk, ms, how: 'one transaction' } });
} finally {
  rmSync(dir, { recursive: true, force: true });
}
