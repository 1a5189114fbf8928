import { createMemoryStore, type LocalStore, type SyncStatus, type Transport } from '@syncline/client';
import { defineSchema, SynclineError, t } from '@syncline/core';
import { describe, expect, test } from 'vitest';
import { backgroundSyncOnFailure } from './background-sync.ts';
import { type ChangeNotice, sharedStore } from './changes.ts';
import { browserNetwork } from './network.ts';

function fakeWindow(onLine: boolean) {
  const target = new EventTarget();
  const win = Object.assign(target, { navigator: { onLine } });
  return {
    win,
    go(next: boolean) {
      win.navigator.onLine = next;
      target.dispatchEvent(new Event(next ? 'online' : 'offline'));
    },
  };
}

describe('browserNetwork', () => {
  test('follows navigator.onLine and its events', () => {
    const { win, go } = fakeWindow(true);
    const network = browserNetwork(win);
    const seen: boolean[] = [];
    network.subscribe((o) => seen.push(o));
    go(false);
    go(true);
    expect(seen).toEqual([false, true]);
    network.dispose();
    go(false);
    expect(seen).toEqual([false, true]);
  });

  test('learns reachability from requests; a response while "offline" proves the browser wrong', async () => {
    const { win, go } = fakeWindow(true);
    const network = browserNetwork(win);
    let fail = true;
    const transport: Transport = {
      request: async () => {
        if (fail) throw new SynclineError('network', 'down', { retryable: true });
        return { status: 200, body: {}, headers: {} };
      },
    };
    const observed = network.observe(transport);
    expect(network.reachable).toBeNull();
    await expect(observed.request('/info', { method: 'GET', token: null })).rejects.toThrow('down');
    expect(network.reachable).toBe(false);
    expect(network.online).toBe(true);
    go(false);
    fail = false;
    await observed.request('/info', { method: 'GET', token: null });
    expect(network.reachable).toBe(true);
    expect(network.online).toBe(true);
  });

  test('a response to a request sent before the browser went offline does not turn it online', async () => {
    // The race that left a leader tab "online" forever (so coming back online never woke its
    // loop): the answer to a request in flight is handled after the `offline` event.
    const { win, go } = fakeWindow(true);
    const network = browserNetwork(win);
    let answer: () => void = () => {};
    const transport: Transport = {
      request: () =>
        new Promise((resolve) => {
          answer = () => resolve({ status: 200, body: {}, headers: {} });
        }),
    };
    const observed = network.observe(transport);
    const inFlight = observed.request('/pull', { method: 'POST', token: null });
    go(false);
    answer();
    await inFlight;
    expect(network.reachable).toBe(true);
    expect(network.online).toBe(false);
    const seen: boolean[] = [];
    network.subscribe((o) => seen.push(o));
    go(true);
    expect(seen).toEqual([true]);
  });
});

describe('sharedStore', () => {
  const schema = defineSchema({ notes: { columns: { body: t.text() } } });
  test('posts one notice per committed write, naming collections and outbox changes; none for a rollback', async () => {
    const name = `test-${Math.random()}`;
    const a = sharedStore(createMemoryStore(), new BroadcastChannel(name));
    const listener = sharedStore(createMemoryStore(), new BroadcastChannel(name));
    const got: ChangeNotice[] = [];
    const two = new Promise<void>((resolve) =>
      listener.onRemoteChange((n) => {
        got.push(n);
        if (got.length === 2) resolve();
      }),
    );
    await a.open(schema);
    await a.write(async (tx) => {
      await tx.putRecord('notes', { id: 'n', base: null, row: null, pending: 1, marked: false });
      await tx.addOutbox({
        collection: 'notes',
        id: 'n',
        op: { op: 'delete', baseVersion: null },
        seq: null,
        clientId: null,
        createdAt: 1,
      });
    });
    await expect(
      a.write(async (tx) => {
        await tx.putRecord('other', { id: 'x', base: null, row: null, pending: 0, marked: false });
        throw new Error('rolled back');
      }),
    ).rejects.toThrow('rolled back');
    await a.write((tx) => tx.setMeta('k', 1)); // meta only: nothing to tell
    await a.write((tx) => tx.removeOutbox([1]));
    await two;
    expect(got).toEqual([
      { type: 'syncline:changed', collections: ['notes'], outbox: true },
      { type: 'syncline:changed', collections: [], outbox: true },
    ]);
    await a.close();
    await listener.close();
  });
});

describe('sharedStore and addOutboxMany', () => {
  const schema = defineSchema({ notes: { columns: { body: t.text() } } });
  const entry = {
    collection: 'notes',
    id: 'n',
    op: { op: 'delete', baseVersion: null },
    seq: null,
    clientId: null,
    createdAt: 1,
  } as const;
  test('forwards it where the store has it (an outbox change) and lacks it where the store does', async () => {
    const name = `test-${Math.random()}`;
    const memory = createMemoryStore();
    // A store with the bulk append (as SQLite's), here over the memory store's addOutbox.
    const bulk: LocalStore = {
      ...memory,
      open: (s) => memory.open(s),
      read: (fn) => memory.read(fn),
      close: () => memory.close(),
      write: (fn) =>
        memory.write((tx) =>
          fn({
            ...tx,
            addOutboxMany: async (entries) => {
              for (const e of entries) await tx.addOutbox(e);
            },
          }),
        ),
    };
    const a = sharedStore(bulk, new BroadcastChannel(name));
    const listener = sharedStore(createMemoryStore(), new BroadcastChannel(name));
    const got = new Promise<ChangeNotice>((resolve) => listener.onRemoteChange(resolve));
    await a.open(schema);
    await a.write(async (tx) => {
      expect(tx.addOutboxMany).toBeTypeOf('function');
      await tx.addOutboxMany?.([entry, entry]);
    });
    expect(await got).toEqual({ type: 'syncline:changed', collections: [], outbox: true });
    expect(await a.read((tx) => tx.outboxCount())).toBe(2);
    const plain = sharedStore(createMemoryStore(), new BroadcastChannel(`${name}-plain`));
    await plain.open(schema);
    expect(await plain.write(async (tx) => 'addOutboxMany' in tx)).toBe(false);
    for (const s of [a, listener, plain]) await s.close();
  });
});

describe('backgroundSyncOnFailure', () => {
  test('registers once per stuck episode: pending writes while offline or unreachable', () => {
    let status: SyncStatus = {
      online: true,
      connected: true,
      realtime: false,
      phase: 'idle',
      progress: null,
      pending: 0,
      lastSyncedAt: null,
      error: null,
    };
    const subs = new Set<(s: SyncStatus) => void>();
    const set = (patch: Partial<SyncStatus>) => {
      status = { ...status, ...patch };
      for (const cb of subs) cb(status);
    };
    const tags: string[] = [];
    backgroundSyncOnFailure(
      {
        get status() {
          return status;
        },
        subscribe: (cb) => {
          subs.add(cb);
          return () => subs.delete(cb);
        },
      },
      {
        register: async (tag) => {
          tags.push(tag);
          return true;
        },
      },
    );
    set({ pending: 1 });
    expect(tags).toEqual([]);
    set({ online: false });
    set({ pending: 2 });
    expect(tags).toEqual(['syncline-push']);
    set({ online: true, pending: 0 });
    set({ pending: 1, error: new SynclineError('network', 'down') });
    expect(tags).toEqual(['syncline-push', 'syncline-push']);
  });
});
