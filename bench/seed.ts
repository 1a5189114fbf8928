/** Seeds a store with the bench rows through plain multi-row INSERTs (the triggers stamp versions, as for app SQL). */
import type { ServerStore } from '@syncline/server';
import { benchRow } from './rows.ts';

const CHUNK = 500;

/** Inserts bench rows `from` .. `to - 1` (owned by `u1`), 10,000 per transaction. */
export async function seedBenchRows(store: ServerStore, to: number, from = 0): Promise<void> {
  for (let at = from; at < to; at += CHUNK * 20) {
    await store.write(async (tx) => {
      for (let start = at; start < Math.min(to, at + CHUNK * 20); start += CHUNK) {
        const params: unknown[] = [];
        const values: string[] = [];
        for (let n = start; n < Math.min(to, start + CHUNK); n++) {
          const r = benchRow(n);
          params.push(r.id, r.owner, r.title, r.note, r.done ? 1 : 0, r.rank);
          values.push('(?, ?, ?, ?, ?, ?)');
        }
        await tx.all(
          `INSERT INTO tasks (id, owner, title, note, done, rank) VALUES ${values.join(', ')}`,
          params,
        );
      }
    });
  }
}
