import Database from 'better-sqlite3';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { benchRow } from './rows.ts';
const N = 100000;
const rows = Array.from({ length: N }, (_, n) => benchRow(n));
const variant = process.argv[2]!;
const dir = mkdtempSync(join(tmpdir(), 'h-sql-'));
const db = new Database(join(dir, 'x.db'));
db.pragma('journal_mode = WAL'); db.pragma('synchronous = NORMAL');
const cols = ['id', 'version', 'updated_at', 'updated_by', 'deleted_at', 'owner', 'title', 'done', 'rank', 'note', '_visible', '_base', '_pending', '_marked'];
if (variant === 'raw') db.exec('CREATE TABLE tasks (id TEXT PRIMARY KEY, owner TEXT NOT NULL, title TEXT NOT NULL, note TEXT, done INTEGER NOT NULL, rank INTEGER NOT NULL)');
else db.exec(`CREATE TABLE tasks ("id" TEXT PRIMARY KEY NOT NULL, "version" INTEGER NOT NULL, "updated_at" TEXT, "updated_by" TEXT, "deleted_at" TEXT, owner TEXT, title TEXT, done INTEGER, rank INTEGER, note TEXT, "_visible" INTEGER NOT NULL, "_base" TEXT, "_pending" INTEGER NOT NULL DEFAULT 0, "_marked" INTEGER NOT NULL DEFAULT 0)`);
const K = Number(process.env.K ?? 64);
const ph = `(${cols.map(() => '?').join(',')})`;
const upsertTail = variant.includes('upsert') ? ` ON CONFLICT ("id") DO UPDATE SET ${cols.slice(1).map((c) => `${c} = excluded.${c}`).join(', ')}` : '';
const one = db.prepare(variant === 'raw' ? 'INSERT INTO tasks (id, owner, title, note, done, rank) VALUES (?, ?, ?, ?, ?, ?)' : `INSERT INTO tasks (${cols}) VALUES ${ph}${upsertTail}`);
const many = variant === 'raw' ? null : db.prepare(`INSERT INTO tasks (${cols}) VALUES ${Array(K).fill(ph).join(',')}${upsertTail}`);
const p = (r: any, n: number) => [r.id, n + 1, '2026-12-01T00:00:00.000Z', null, null, r.owner, r.title, r.done ? 1 : 0, r.rank, r.note, 1, '=', 0, 0];
const t0 = performance.now(); const c0 = process.cpuUsage(); let commit = 0;
for (let at = 0; at < N; at += 1000) {
  db.exec('BEGIN IMMEDIATE');
  if (variant === 'raw') for (let n = at; n < at + 1000; n++) { const r = rows[n]!; one.run(r.id, r.owner, r.title, r.note, r.done ? 1 : 0, r.rank); }
  else if (variant.startsWith('row')) for (let n = at; n < at + 1000; n++) one.run(...p(rows[n], n));
  else { let n = at; for (; n + K <= at + 1000; n += K) { const a: unknown[] = []; for (let i = n; i < n + K; i++) a.push(...p(rows[i], i)); many!.run(...a); } for (; n < at + 1000; n++) one.run(...p(rows[n], n)); }
  const c = performance.now(); db.exec('COMMIT'); commit += performance.now() - c;
}
{ const c = process.cpuUsage(c0); console.log(variant, K, "wall", Math.round(performance.now() - t0), "cpu", Math.round((c.user + c.system) / 1000), "commit", Math.round(commit)); }
db.close(); rmSync(dir, { recursive: true, force: true });
