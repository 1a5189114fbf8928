import { stat } from 'node:fs';
import { describe, expect, test } from 'vitest';
import type { ServerStore } from '../stores/types.ts';
import { checkReady } from './ready.ts';

/** A store whose check is one real I/O operation (a stat on libuv's thread pool). */
function statStore(): ServerStore {
  return {
    check: () =>
      new Promise<void>((resolve, reject) =>
        stat(import.meta.dirname, (err) => (err ? reject(err) : resolve())),
      ),
  } as unknown as ServerStore;
}

function busy(ms: number): void {
  const end = performance.now() + ms;
  while (performance.now() < end) {
    // a process starved of CPU: the loop does not turn
  }
}

describe('checkReady', () => {
  test('an answer that arrived while the process was busy past the bound counts: ready', async () => {
    const ready = checkReady(statStore(), 50);
    // The stat completes during the block; the 50 ms timer expires during it too.
    busy(300);
    await expect(ready).resolves.toBeUndefined();
  });

  test('a store that does not answer is not ready after the bound, with the reason', async () => {
    const silent = { check: () => new Promise<void>(() => {}) } as unknown as ServerStore;
    await expect(checkReady(silent, 30)).rejects.toThrow('the database did not answer within 30 ms');
  });

  test("the store's own reason is passed on", async () => {
    const failing = {
      check: async () => Promise.reject(new Error('not migrated')),
    } as unknown as ServerStore;
    await expect(checkReady(failing, 1000)).rejects.toThrow('not migrated');
  });
});
