/**
 * The loopback variant's realtime oracle, after healing (faults off): pokes bring changes. Every
 * socket is first given sim time to reconnect (its backoff runs on the sim clock). Then one
 * device inserts a fresh record and syncs; every other device of a user who may read it and
 * whose socket is open must show it within `deadlineMs` of real time without syncing (10 s: far
 * beyond a poke's few milliseconds, so a loaded machine does not fail it): the poll is an hour
 * away and the sim clock stands still, so only a poke's pull can bring it. With every poke
 * dropped (the `dropPokes` negative control) this must fail.
 */
import type { manualClock } from '@syncline/client/testing';
import type { Slot } from './clients.ts';
import { type LocalWrite, type Model, showsWrite } from './model.ts';
import { type Grants, readable } from './schema.ts';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export interface PokeCheck {
  /** Devices that had an open socket when the record was pushed (the check's readers). */
  readers: number;
  /** Readers that did not show the record in time, as messages. */
  missed: string[];
}

export async function checkPokes(
  slots: readonly Slot[],
  writer: Slot,
  model: Model,
  grants: Grants,
  clock: ReturnType<typeof manualClock>,
  deadlineMs = 10_000,
): Promise<PokeCheck> {
  // Reconnect: 1 s of sim time per 10 ms of real time (pings answered keep sockets alive).
  for (let i = 0; i < 60 && !slots.every((s) => s.client.status.realtime); i++) {
    clock.advance(1000);
    await sleep(10);
  }
  const n = writer.writes++;
  const tok = `${writer.name}.${n}`;
  const w: LocalWrite = {
    slot: writer.name,
    n,
    collection: 'merged',
    id: `${writer.name}-poke${n}`,
    op: 'insert',
    tok,
    values: { ownerId: writer.user, a: `${tok}a`, b: `${tok}b` },
    acked: false,
    committed: false,
  };
  model.writes.push(w);
  await writer.client.db.merged.insert({ id: w.id, ownerId: writer.user, a: `${tok}a`, b: `${tok}b`, tok });
  w.acked = true;
  w.committed = true;
  const readers = slots.filter(
    (s) => s !== writer && s.client.status.realtime && readable(grants, s.user, 'merged', writer.user),
  );
  await writer.client.sync();
  const missed: string[] = [];
  await Promise.all(
    readers.map(async (s) => {
      for (const end = performance.now() + deadlineMs; performance.now() < end; ) {
        if (showsWrite((await s.client.db.merged.get(w.id)) as Record<string, unknown> | null, w)) return;
        await sleep(10);
      }
      missed.push(
        `${s.name}: socket open, ${w.id} (${tok}) by ${writer.name} not pulled ${deadlineMs} ms after its push`,
      );
    }),
  );
  return { readers: readers.length, missed };
}
