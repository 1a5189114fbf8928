/**
 * Issue 16, done-when 2, continued from test/react-native-background.test.ts: the helper on a
 * fake expo-background-task, bounded even when a sync ignores its signal, and what a background
 * run did reaching the app (the stored record, rejections exactly once).
 */
import { createMemoryDisk, manualClock } from '@syncline/client/testing';
import {
  type BackgroundSyncRecord,
  createBackgroundSync,
  expoBackgroundTask,
  type KeyValueStorage,
} from '@syncline/react-native';
import { describe, expect, test } from 'vitest';
import {
  BUDGET,
  fakeExpoResult,
  fetchTask,
  GRACE,
  IOS_WINDOW,
  loopback,
  setup,
} from './helpers/rn-background.ts';

describe('background sync through a fake expo-background-task', () => {
  test('returns the fake BackgroundTaskResult.Success after a sync', async () => {
    const s = setup({});
    await s.client.ready();
    await s.client.db.notes.insert({ ownerId: 'alice', title: 'Expo' });
    const task = expoBackgroundTask(s.background, fakeExpoResult);
    expect(await task()).toBe(fakeExpoResult.Success);
  });

  test('returns Failed within the budget when the server hangs (Expo has no timeout callback)', async () => {
    const hanging = await loopback(() => {});
    const s = setup({ url: hanging.url });
    await s.client.ready();
    await s.client.db.notes.insert({ ownerId: 'alice', title: 'Expo hang' });
    const task = expoBackgroundTask(s.background, fakeExpoResult);
    const start = s.clock.now();
    const result = task();
    await hanging.requests(1);
    s.clock.advance(BUDGET);
    expect(await result).toBe(fakeExpoResult.Failed);
    expect(s.clock.now() - start).toBeLessThan(IOS_WINDOW);
  });

  test('returns Failed offline and after a refused token', async () => {
    const offline = setup({ online: false });
    expect(await expoBackgroundTask(offline.background, fakeExpoResult)()).toBe(fakeExpoResult.Failed);
    const refused = setup({
      getToken: ({ forceRefresh }) => {
        if (forceRefresh) throw new Error('refresh failed');
        return 'bad';
      },
    });
    expect(await expoBackgroundTask(refused.background, fakeExpoResult)()).toBe(fakeExpoResult.Failed);
  });
});

describe('bounded even when the sync ignores its signal', () => {
  test('a fake client whose sync never settles: the run resolves budget + grace after it started', async () => {
    const clock = manualClock(0);
    const fakeClient = { sync: () => new Promise<void>(() => {}) };
    const background = createBackgroundSync({ client: fakeClient, clock, budgetMs: BUDGET, graceMs: GRACE });
    let record: BackgroundSyncRecord | null = null;
    const run = background.run().then((r) => {
      record = r;
    });
    clock.advance(BUDGET);
    await Promise.resolve();
    expect(record).toBeNull();
    clock.advance(GRACE);
    await run;
    expect(record).toMatchObject({ outcome: 'timed-out', finishedAt: BUDGET + GRACE });
    expect(BUDGET + GRACE).toBeLessThan(IOS_WINDOW);
  });
});

describe('what the background did reaches the app', () => {
  test('the last record is kept in storage (a fake AsyncStorage) and loaded by the next process', async () => {
    const items = new Map<string, string>();
    const fakeAsyncStorage: KeyValueStorage = {
      getItem: async (k) => items.get(k) ?? null,
      setItem: async (k, v) => {
        items.set(k, v);
      },
    };
    const s = setup({});
    const background = createBackgroundSync({ client: s.client, clock: s.clock, storage: fakeAsyncStorage });
    const seen: BackgroundSyncRecord[] = [];
    background.subscribe((r) => seen.push(r));
    const record = await background.run();
    expect(seen).toEqual([record]);
    const nextProcess = createBackgroundSync({ client: s.client, storage: fakeAsyncStorage });
    expect(nextProcess.last).toBeNull();
    expect(await nextProcess.load()).toEqual(record);
  });

  test('a rejection found by a headless background run reaches the app exactly once when it comes back, through the stored list', async () => {
    const disk = createMemoryDisk();
    const headless = setup({ disk });
    await headless.client.ready();
    // Alice may not write Bob's notes: the server refuses the change (forbidden).
    await headless.client.db.notes.insert({ ownerId: 'bob', title: 'Not mine' });
    const os = await fetchTask(headless);
    await os.fire('task-rejected');
    expect(os.finished).toEqual(['task-rejected']);
    expect(headless.background.last).toMatchObject({ outcome: 'synced', pending: 0 });
    await headless.client.close();

    // The app comes back (a new process on the same database): the stored list has it once.
    const app = setup({ disk });
    const events: string[] = [];
    app.client.on('rejected', (r) => events.push(r.key));
    await app.client.start();
    const listed = await app.client.rejections();
    expect(listed).toEqual([expect.objectContaining({ code: 'forbidden', collection: 'notes' })]);
    expect(listed[0]?.message).toMatch(/not allowed/);
    // Announced by the headless run already: no second `rejected` event; the list is the channel.
    expect(events).toEqual([]);
    await app.client.dismiss(listed[0]!.key);
    expect(await app.client.rejections()).toEqual([]);
    await app.client.stop();
    const again = setup({ disk });
    await again.client.ready();
    expect(await again.client.rejections()).toEqual([]);
  });
});
