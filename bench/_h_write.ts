import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createSqliteLocalStore } from '@syncline/store-sqlite';
import { benchSchema } from './push-schema.ts';
import { benchRow } from './rows.ts';
const ckpt = process.env.H_CKPT;
const dir = mkdtempSync(join(tmpdir(), 'h-write-'));
const store = createSqliteLocalStore({ path: join(dir, 'c.db') });
await store.open(benchSchema);
if (ckpt) await store.write(async () => {}); // warm
const N = Number(process.env.H_ROWS ?? 100000);
let commitMs = 0; let putMs = 0;
const t0 = performance.now(); const c0 = process.cpuUsage();
for (let at = 0; at < N; at += 1000) {
  const recs = [];
  for (let n = at; n < at + 1000; n++) {
    const base = { id: benchRow(n).id, version: n + 1, updatedAt: '2026-12-01T00:00:00.000Z', updatedBy: null, deletedAt: null, ...benchRow(n) };
    recs.push({ id: base.id, base, row: { ...base }, pending: 0, marked: false });
  }
  let tc = 0;
  await store.write(async (tx) => { const a = performance.now(); await tx.putRecords('tasks', recs); await tx.setMeta('cursor:tasks', `c${at}`); tc = performance.now(); putMs += tc - a; });
  commitMs += performance.now() - tc;
}
const cu = process.cpuUsage(c0); console.log(JSON.stringify({ chunk: !process.env.H_NOCHUNK, cpuMs: Math.round((cu.user + cu.system) / 1000), totalMs: Math.round(performance.now() - t0), putMs: Math.round(putMs), commitMs: Math.round(commitMs) }));
await store.close();
rmSync(dir, { recursive: true, force: true });
