import { createClient, createMemoryStore, type Transport } from '@syncline/client';
import { manualClock } from '@syncline/client/testing';
import { defineSchema, PROTOCOL_VERSION, t } from '@syncline/core';
import { describe, expect, test } from 'vitest';
import { sharedStore } from './changes.ts';
import type { Locks } from './leadership.ts';
import { connectTabs } from './tabs.ts';

const schema = defineSchema({ notes: { columns: { body: t.text() } } });

/** One exclusive Web Lock in memory (the subset `electLeader` uses: request with a signal). */
function fakeLocks(): Locks {
  type Waiter = {
    cb: (lock: unknown) => Promise<unknown>;
    resolve(v: unknown): void;
    reject(e: unknown): void;
  };
  const queue: Waiter[] = [];
  let held = false;
  const next = () => {
    if (held) return;
    const w = queue.shift();
    if (!w) return;
    held = true;
    Promise.resolve()
      .then(() => w.cb({}))
      .then(w.resolve, w.reject)
      .finally(() => {
        held = false;
        next();
      });
  };
  return {
    request: ((_name: string, opts: { signal?: AbortSignal }, cb: Waiter['cb']) =>
      new Promise((resolve, reject) => {
        const w = { cb, resolve, reject };
        opts.signal?.addEventListener('abort', () => {
          const i = queue.indexOf(w);
          if (i < 0) return;
          queue.splice(i, 1);
          reject(new DOMException('aborted', 'AbortError'));
        });
        queue.push(w);
        next();
      })) as unknown as Locks['request'],
  };
}

/** A server that has nothing to send. */
const quietServer: Transport = {
  async request(path) {
    if (path === '/info')
      return {
        status: 200,
        headers: {},
        body: {
          protocol: { min: 1, max: PROTOCOL_VERSION },
          limits: {
            maxBodyBytes: 1 << 20,
            maxMutationBytes: 1 << 18,
            maxMutationsPerPush: 500,
            maxRowsPerPage: 1000,
          },
          schemaHash: 'x',
        },
      };
    return {
      status: 200,
      headers: {},
      body: {
        collections: { notes: { changes: [], cursor: 'c', hasMore: false, reset: false } },
        remaining: 0,
      },
    };
  },
};

function tab(channel: string, startAt: number) {
  const store = sharedStore(createMemoryStore(), new BroadcastChannel(channel));
  const clock = manualClock(startAt);
  const client = createClient({ schema, store, transport: quietServer, clock, pollIntervalMs: 3_600_000 });
  return { store, clock, client };
}

/** Lets queued work (promises, channel messages) run until `cond` holds; no timers involved. */
async function until(cond: () => boolean): Promise<void> {
  for (let i = 0; i < 5000 && !cond(); i++) await new Promise<void>((r) => setImmediate(r));
  expect(cond()).toBe(true);
}

describe('status mirroring between tabs (BroadcastChannel, in-memory Web Locks)', () => {
  test("followers show the leader's connected, phase and lastSyncedAt; a new leader shows its own", async () => {
    const channel = `mirror-${Math.random()}`;
    const locks = fakeLocks();
    const a = tab(channel, 1_000);
    const b = tab(channel, 5_000);
    await a.client.ready();
    await b.client.ready();
    const tabsA = connectTabs({ client: a.client, store: a.store, lock: 'l', locks });
    await tabsA.leadership.elected;
    const tabsB = connectTabs({ client: b.client, store: b.store, lock: 'l', locks });
    await until(() => a.clock.pending().length > 0);
    a.clock.advance(0); // A's first cycle
    await until(() => a.client.status.lastSyncedAt === 1_000 && a.client.status.phase === 'idle');

    // B never ran a cycle: what it shows is A's.
    await until(() => b.client.status.lastSyncedAt === 1_000);
    expect(b.client.status).toMatchObject({
      connected: true,
      realtime: false,
      phase: 'idle',
      lastSyncedAt: 1_000,
    });
    expect(tabsB.leadership.isLeader).toBe(false);

    // A leaves; B leads and shows its own status again (no cycle yet: nothing synced here).
    await tabsA.close();
    await tabsB.leadership.elected;
    await until(() => b.client.status.lastSyncedAt === null);
    expect(b.client.status).toMatchObject({ connected: false, lastSyncedAt: null });
    await until(() => b.clock.pending().length > 0);
    b.clock.advance(0);
    await until(() => b.client.status.lastSyncedAt === 5_000 && b.client.status.connected);

    // A late follower asks, and the leader answers with its status.
    const c = tab(channel, 9_000);
    await c.client.ready();
    const tabsC = connectTabs({ client: c.client, store: c.store, lock: 'l', locks });
    await until(() => c.client.status.lastSyncedAt === 5_000 && c.client.status.connected);

    await tabsC.close();
    await tabsB.close();
    for (const x of [a, b, c]) await x.client.close();
  });
});
