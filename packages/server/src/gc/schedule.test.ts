import { describe, expect, test } from 'vitest';
import type { ServerStore } from '../stores/types.ts';
import { scheduleGc } from './schedule.ts';

/** A store whose gc() calls the test decides: each call waits for the next answer pushed. */
function fakeStore() {
  const calls: number[] = [];
  const answers: Array<(outcome: { removed: number } | Error) => void> = [];
  let called: () => void = () => {};
  const store = {
    gc(olderThanMs: number) {
      calls.push(olderThanMs);
      called();
      return new Promise<{ removed: number }>((resolve, reject) => {
        answers.push((o) => (o instanceof Error ? reject(o) : resolve(o)));
      });
    },
  } as unknown as ServerStore;
  const nextCall = () =>
    new Promise<void>((resolve) => {
      called = resolve;
    });
  return { store, calls, answers, nextCall };
}

describe('scheduleGc', () => {
  test('runs after each interval, reports results and errors, keeps going after a failure', async () => {
    const f = fakeStore();
    const results: number[] = [];
    const errors: string[] = [];
    let reported: () => void = () => {};
    const nextReport = () =>
      new Promise<void>((resolve) => {
        reported = resolve;
      });
    const call1 = f.nextCall();
    const gc = scheduleGc(f.store, {
      everyMs: 5,
      olderThanMs: 1234,
      onResult: (r) => {
        results.push(r.removed);
        reported();
      },
      onError: (e) => {
        errors.push((e as Error).message);
        reported();
      },
    });
    await call1;
    let report = nextReport();
    f.answers[0]!(new Error('db down'));
    await report;
    const call2 = f.nextCall();
    await call2;
    report = nextReport();
    f.answers[1]!({ removed: 7 });
    await report;
    expect(f.calls).toEqual([1234, 1234]);
    expect(errors).toEqual(['db down']);
    expect(results).toEqual([7]);

    // stop() waits for the run in progress, and nothing runs afterwards.
    await f.nextCall();
    let stopped = false;
    const stopping = gc.stop().then(() => {
      stopped = true;
    });
    await Promise.resolve();
    expect(stopped).toBe(false);
    f.answers[2]!({ removed: 0 });
    await stopping;
    expect(f.calls).toHaveLength(3);
  });

  test('stop before the first run: gc is never called', async () => {
    const f = fakeStore();
    await scheduleGc(f.store, { everyMs: 1000, olderThanMs: 1 }).stop();
    expect(f.calls).toEqual([]);
  });
});
