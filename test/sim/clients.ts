/**
 * Client slots: one real engine on one real SQLite file each. A crash (the failpoint hook throws
 * {@link Crash}) discards the engine and reopens a new one on the same file, as a process restart
 * would: a transaction open at the failpoint has rolled back, everything committed stays.
 */
import { join } from 'node:path';
import { createClient, type SynclineClient, type Transport } from '@syncline/client';
import type { manualClock } from '@syncline/client/testing';
import { type FailpointName, manualNetwork } from '@syncline/client/testing';
import { seededRandom } from '@syncline/core/internal';
import { createSqliteLocalStore } from '@syncline/store-sqlite';
import { WebSocket } from 'ws';
import { simSchema } from './schema.ts';

/** Thrown by the failpoint hook: the process "dies" here. */
export class Crash extends Error {
  constructor(readonly at: FailpointName) {
    super(`simulated crash at ${at}`);
  }
}

export type SimClient = SynclineClient<typeof simSchema>;

export interface Slot {
  readonly name: string;
  readonly user: string;
  readonly path: string;
  readonly network: ReturnType<typeof manualNetwork>;
  client: SimClient;
  /** The failpoint at which the next action crashes, if any. */
  armed: FailpointName | null;
  /** Where the last action crashed (null: it did not). */
  crashedAt: FailpointName | null;
  /** Rejection events received, by key, across restarts of this slot. */
  readonly events: Map<string, number>;
  /** Keys emitted by an instance that then crashed before marking them notified (re-emit allowed). */
  readonly reemitAllowed: Set<string>;
  /** Keys emitted by the current instance (to know what a notify-crash may re-emit). */
  emittedNow: Set<string>;
  restarts: number;
  /** Local writes started, for unique tokens; kept by the harness across restarts. */
  writes: number;
  ids: number;
}

export interface SlotDeps {
  dir: string;
  transport: Transport;
  clock: ReturnType<typeof manualClock>;
  seed: number;
  /**
   * The realtime socket's URL (loopback variant): the client opens it and its sync loop keeps
   * running, with the poll an hour away, so other devices' changes arrive on pokes.
   */
  socketUrl?: string;
}

export async function openSlot(name: string, user: string, index: number, deps: SlotDeps): Promise<Slot> {
  const slot = {
    name,
    user,
    path: join(deps.dir, `${name}.db`),
    network: manualNetwork(true),
    armed: null,
    crashedAt: null,
    events: new Map(),
    reemitAllowed: new Set(),
    emittedNow: new Set(),
    restarts: 0,
    writes: 0,
    ids: 0,
  } as Omit<Slot, 'client'> as Slot;
  slot.client = await openClient(slot, index, deps);
  return slot;
}

async function openClient(slot: Slot, index: number, deps: SlotDeps): Promise<SimClient> {
  slot.emittedNow = new Set();
  const client = createClient({
    schema: simSchema,
    transport: deps.transport,
    store: createSqliteLocalStore({ path: slot.path }),
    auth: { getToken: () => slot.user },
    network: slot.network,
    clock: deps.clock,
    random: seededRandom(deps.seed * 7919 + index * 104729 + slot.restarts),
    // New clientIds after a seq_gap stay unique across restarts: the counter lives in the harness.
    ids: () => `${slot.name}-id${++slot.ids}`,
    failpoint: (name) => {
      if (slot.armed !== name) return;
      slot.armed = null;
      slot.crashedAt = name;
      if (name === 'rejected:notified:before-commit')
        for (const k of slot.emittedNow) slot.reemitAllowed.add(k);
      throw new Crash(name);
    },
    pollIntervalMs: 3_600_000,
    ...(deps.socketUrl ? { realtime: { url: deps.socketUrl, WebSocket } } : {}),
  });
  client.on('rejected', (r) => {
    slot.events.set(r.key, (slot.events.get(r.key) ?? 0) + 1);
    slot.emittedNow.add(r.key);
  });
  await client.ready();
  // start() delivers rejections stored by an earlier (crashed) run; the harness then drives
  // every sync itself, so the background loop is stopped at once (no wall-clock timers run),
  // except in the loopback variant with its realtime socket.
  await client.start();
  // With the socket, the loop keeps running (pokes pull, writes push after the debounce, timers
  // on the sim clock); the harness still drives its own syncs in between.
  if (!deps.socketUrl) await client.stop();
  return client;
}

/** The process died (or is killed now): drop the engine, reopen on the same file. */
export async function restartSlot(slot: Slot, index: number, deps: SlotDeps): Promise<void> {
  slot.armed = null;
  slot.crashedAt = null;
  await slot.client.close().catch(() => undefined);
  slot.restarts++;
  slot.client = await openClient(slot, index, deps);
}
