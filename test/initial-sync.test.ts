/**
 * Done-when 6 (issue 2): initial sync of 100,000 rows pages through with progress rising to
 * done, in a client process started with a small heap limit — bounded memory, not a timing.
 */
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { e2eRules, e2eSchema } from './helpers/schema.ts';
import { startServer, tempDir } from './helpers/server.ts';
import { spawnClient } from './helpers/worker.ts';

const ROWS = 100_000;
const HEAP_MB = 96;
const dir = tempDir();
let srv: Awaited<ReturnType<typeof startServer>>;

beforeAll(async () => {
  const dbPath = join(dir.path, 'server.db');
  srv = await startServer({ dbPath, schema: e2eSchema, rules: e2eRules });
  // Seed through plain SQL, as an app's backend import would; triggers stamp versions.
  const db = new Database(dbPath);
  db.pragma('busy_timeout = 5000');
  const insert = db.prepare('INSERT INTO notes (id, owner_id, title, body, n) VALUES (?, ?, ?, ?, ?)');
  db.transaction(() => {
    for (let i = 0; i < ROWS; i++) {
      insert.run(`row-${String(i).padStart(7, '0')}`, 'bulk', `title ${i}`, 'x'.repeat(100), i);
    }
  })();
  db.close();
});
afterAll(async () => {
  await srv?.close();
  dir.cleanup();
});

test(`initial sync of ${ROWS} rows with a ${HEAP_MB} MB heap reports rising progress and completes`, async () => {
  const client = await spawnClient({}, [`--max-old-space-size=${HEAP_MB}`]);
  await client.call('init', {
    dbPath: join(dir.path, 'c.db'),
    url: srv.url,
    token: await srv.token('bulk'),
    online: true,
  });
  await client.call('sync');
  expect(await client.call('count', 'notes')).toBe(ROWS);

  const log = await client.call<Array<{ phase: string; progress: number | null }>>('statusLog');
  const progress = log
    .filter((s) => s.phase === 'initial-sync' && s.progress !== null)
    .map((s) => s.progress!);
  // 100 pages of 1,000 rows: many progress reports, never going backwards, reaching the end.
  expect(progress.length).toBeGreaterThanOrEqual(50);
  for (let i = 1; i < progress.length; i++) expect(progress[i]!).toBeGreaterThanOrEqual(progress[i - 1]!);
  expect(progress.at(-1)!).toBeCloseTo(1, 2);
  expect(log.at(-1)!.phase).toBe('idle');
  // Memory stays bounded: far below what holding 100k rows in memory would take.
  expect(await client.call<number>('peakHeap')).toBeLessThan(64 * 1024 * 1024);
  await client.call('close');
});
