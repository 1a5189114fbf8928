/**
 * S1's raw baselines, in a fresh process: `transfer` — the rows fetched as plain JSON pages from
 * the in-memory fixture server and parsed; `insert` — the same, each page then inserted with
 * better-sqlite3 into a fresh file (WAL, synchronous=NORMAL, one transaction per page), the
 * floor for "every row queryable" on this machine. Prints `{ ms, rows, peakRssBytes }`.
 * Args: <fixture url> <transfer|insert>.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { printResult } from './result-line.ts';
import type { BenchRow } from './rows.ts';

const [url, mode] = process.argv.slice(2);
if (!url) throw new Error('usage: <fixture url> <transfer|insert>');
const PAGE = 1000;
const dir = mkdtempSync(join(tmpdir(), 'syncline-bench-raw-'));
try {
  let db: Database.Database | null = null;
  let insertPage: ((rows: BenchRow[]) => void) | null = null;
  if (mode === 'insert') {
    db = new Database(join(dir, 'raw.db'));
    db.pragma('journal_mode = WAL');
    db.pragma('synchronous = NORMAL');
    db.exec(
      'CREATE TABLE tasks (id TEXT PRIMARY KEY, owner TEXT NOT NULL, title TEXT NOT NULL, note TEXT, done INTEGER NOT NULL, rank INTEGER NOT NULL)',
    );
    const stmt = db.prepare(
      'INSERT INTO tasks (id, owner, title, note, done, rank) VALUES (?, ?, ?, ?, ?, ?)',
    );
    insertPage = db.transaction((rows: BenchRow[]) => {
      for (const r of rows) stmt.run(r.id, r.owner, r.title, r.note, r.done ? 1 : 0, r.rank);
    });
  }
  const t0 = performance.now();
  let after: number | null = 0;
  let rows = 0;
  while (after !== null) {
    const res = await fetch(`${url}/raw/rows?after=${after}&limit=${PAGE}`);
    const page = (await res.json()) as { rows: BenchRow[]; next: number | null };
    insertPage?.(page.rows);
    rows += page.rows.length;
    after = page.next;
  }
  const ms = performance.now() - t0;
  if (db) rows = (db.prepare('SELECT count(*) AS n FROM tasks').get() as { n: number }).n;
  db?.close();
  printResult({ ms, rows });
} finally {
  rmSync(dir, { recursive: true, force: true });
}
