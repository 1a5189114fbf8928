/**
 * Issue 11's end-to-end realtime checks with the real client and the real `/sync/ws`: a write on
 * client A is in client B's store and seen by B's `watch` within 1 s while B polls only once an
 * hour. Shared by the SQLite and PostgreSQL test files.
 */
import { createClient, createMemoryStore, type SynclineClient, type SyncStatus } from '@syncline/client';
import { expect } from 'vitest';
import { WebSocket } from 'ws';
import { e2eSchema } from './schema.ts';

export const HOUR = 3_600_000;
export type E2eClient = SynclineClient<typeof e2eSchema>;

/** A started client of `url` for the token's user, realtime on (`ws`), polling once an hour. */
export async function realtimeClient(
  url: string,
  getToken: (o: { forceRefresh: boolean }) => string | Promise<string>,
  opened: E2eClient[],
): Promise<E2eClient> {
  const client = createClient({
    schema: e2eSchema,
    url,
    store: createMemoryStore(),
    auth: { getToken },
    pollIntervalMs: HOUR,
    pushDebounceMs: 0,
    realtime: { WebSocket },
  });
  opened.push(client);
  await client.start();
  await statusIs(client, (s) => s.realtime && s.phase === 'idle' && s.lastSyncedAt !== null);
  return client;
}

/** Resolves once `client.status` satisfies `pred` (checked now and on every status change). */
export function statusIs(client: E2eClient, pred: (s: SyncStatus) => boolean): Promise<SyncStatus> {
  return new Promise((resolve) => {
    if (pred(client.status)) return resolve(client.status);
    const off = client.subscribe((s) => {
      if (!pred(s)) return;
      off();
      resolve(s);
    });
  });
}

/** Resolves with `performance.now()` when B's live query of `owner`'s notes first shows `title`. */
export function seenAt(client: E2eClient, owner: string, title: string): Promise<number> {
  return new Promise((resolve) => {
    const stop = client.db.notes.watch({ where: { ownerId: owner } }, (rows) => {
      if (!rows.some((r) => r.title === title)) return;
      resolve(performance.now());
      queueMicrotask(() => stop());
    });
  });
}

/** Median and maximum of a list of milliseconds. */
export function summary(ms: number[]): { p50: number; max: number } {
  const sorted = [...ms].sort((a, b) => a - b);
  return { p50: sorted[Math.floor(sorted.length / 2)]!, max: sorted[sorted.length - 1]! };
}

/**
 * `rounds` writes on A, each awaited on B's watch: every delay from A's local insert to B's
 * callback is under 1 s (with the poll an hour away, only a poke can bring it).
 */
export async function writeToVisible(a: E2eClient, b: E2eClient, owner: string, rounds: number) {
  const delays: number[] = [];
  for (let i = 0; i < rounds; i++) {
    const title = `rt-${i}-${Math.random().toString(36).slice(2, 8)}`;
    const seen = seenAt(b, owner, title);
    const start = performance.now();
    await a.db.notes.insert({ ownerId: owner, title });
    delays.push((await seen) - start);
  }
  for (const ms of delays) expect(ms).toBeLessThan(1000);
  return summary(delays);
}

/**
 * Two clients of `owner` on `url` (A writes, B watches), 20 writes each awaited on B's watch;
 * logs and returns the delays, and checks that every write is in B's store too.
 */
export async function twoClients(
  url: string,
  token: string,
  owner: string,
  opened: E2eClient[],
  label: string,
) {
  const a = await realtimeClient(url, () => token, opened);
  const b = await realtimeClient(url, () => token, opened);
  const result = await writeToVisible(a, b, owner, 20);
  console.log(
    `realtime e2e (${label}): write → watch p50 ${result.p50.toFixed(1)} ms, max ${result.max.toFixed(1)} ms`,
  );
  expect(await b.db.notes.find({ where: { ownerId: owner } })).toHaveLength(20);
  return result;
}
