/**
 * The writers of the concurrency test. Each holds its transaction open for a seeded 0–200 ms
 * between its write and its COMMIT, so transactions commit in an order unrelated to their xids,
 * versions and updated_at. A write is recorded as committed only once its COMMIT succeeded.
 */

import { PROTOCOL_VERSION } from '@syncline/core';
import type { ServerStore, WriteTx } from '@syncline/server';
import pg from 'pg';
import type { Committed } from './oracle.ts';
import { hashUnit, prng, sleep } from './prng.ts';

export const MAX_DELAY_MS = 200;

/** What every writer shares: where to write, what to record. */
export interface WriterEnv {
  url: string;
  pgSchema: string;
  seed: number;
  hotIds: readonly string[];
  committed: Committed[];
  /** Transactions that failed and were rolled back (not recorded as committed). */
  failures: { count: number };
}

/**
 * A plain-SQL writer (the app's own backend, psql, a cron job): BEGIN; upsert 1–2 hot rows
 * (RETURNING the version the BEFORE trigger assigned); wait; COMMIT.
 */
export async function sqlWriter(env: WriterEnv, index: number, transactions: number): Promise<void> {
  const rand = prng(env.seed * 1009 + index);
  const c = new pg.Client({ connectionString: env.url, options: `-c search_path=${env.pgSchema}` });
  await c.connect();
  try {
    for (let t = 0; t < transactions; t++) {
      const count = rand() < 0.8 ? 1 : 2;
      // Sorted ids: two writers never lock the same pair in opposite orders (no deadlocks to retry).
      const ids = [...new Set(Array.from({ length: count }, () => pick(rand, env.hotIds)))].sort();
      const delay = rand() * MAX_DELAY_MS;
      const mine: Committed[] = [];
      try {
        await c.query('BEGIN');
        for (const id of ids) {
          const { rows } = await c.query<{ id: string; version: string }>(
            `INSERT INTO items (id, owner, title, n) VALUES ($1, 'u', $2, 1)
             ON CONFLICT (id) DO UPDATE SET n = items.n + 1, title = excluded.title
             RETURNING id, version`,
            [id, `sql${index}-${t}`],
          );
          mine.push({ id: rows[0]!.id, version: Number(rows[0]!.version) });
        }
        await sleep(delay);
        const res = await c.query('COMMIT');
        if (res.command !== 'COMMIT') throw new Error('rolled back');
        env.committed.push(...mine);
      } catch {
        env.failures.count++;
        await c.query('ROLLBACK').catch(() => undefined);
      }
    }
  } finally {
    await c.end();
  }
}

/**
 * A client of the sync server: real HTTP pushes of 1–4 mutations (updates of hot rows, inserts of
 * its own new rows) with its own clientId and seqs. A 503 (retries exhausted) resends the same
 * batch, as a real client's outbox would; exactly-once makes that safe.
 */
export async function httpWriter(
  env: WriterEnv,
  syncUrl: string,
  index: number,
  transactions: number,
): Promise<void> {
  const rand = prng(env.seed * 2003 + index);
  const clientId = `http-${index}`;
  let seq = 0;
  let fresh = 0;
  for (let t = 0; t < transactions; t++) {
    const mutations = Array.from({ length: 1 + Math.floor(rand() * 4) }, () => {
      const title = `http${index}-${t}`;
      if (rand() < 0.6) {
        const n = Math.floor(rand() * 1000);
        // last-write-wins: the base version does not decide anything here.
        return {
          collection: 'items',
          id: pick(rand, env.hotIds),
          op: 'update',
          patch: { n, title },
          baseVersion: 0,
          seq: ++seq,
        };
      }
      const id = `${clientId}-${++fresh}`;
      return { collection: 'items', id, op: 'insert', data: { owner: 'u', title, n: 0 }, seq: ++seq };
    });
    const body = JSON.stringify({ protocol: PROTOCOL_VERSION, clientId, mutations });
    for (let attempt = 1; ; attempt++) {
      const res = await fetch(`${syncUrl}/push`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: 'Bearer user:u' },
        body,
      });
      const json = (await res.json()) as {
        results?: Array<{ status: string; record?: { id: string; version: number } }>;
      };
      if (res.status === 503 && attempt < 5) continue;
      if (res.status !== 200 || !json.results)
        throw new Error(`push answered ${res.status}: ${JSON.stringify(json)}`);
      for (const r of json.results) {
        if (r.status === 'applied' && r.record)
          env.committed.push({ id: r.record.id, version: r.record.version });
        else if (r.status !== 'applied') env.failures.count++;
      }
      break;
    }
  }
}

/**
 * Wraps the store so each sync-server transaction waits a seeded 0–200 ms after its writes and
 * before its COMMIT (test-only): the delay is a function of (clientId, last seq), so it does
 * not depend on which push reached the server first.
 */
export function delayedStore(inner: ServerStore, seed: number): ServerStore {
  return {
    ...inner,
    write: (fn) =>
      inner.write(async (tx) => {
        let key = 'none';
        const spy: WriteTx = {
          ...tx,
          lockClient: async (clientId, userId) => {
            const state = await tx.lockClient(clientId, userId);
            key = `${clientId}:${state.lastSeq}`;
            return state;
          },
        };
        const out = await fn(spy);
        await sleep(hashUnit(seed, key) * MAX_DELAY_MS);
        return out;
      }),
  };
}

function pick<T>(rand: () => number, xs: readonly T[]): T {
  return xs[Math.floor(rand() * xs.length)]!;
}
