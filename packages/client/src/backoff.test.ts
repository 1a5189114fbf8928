import { seededRandom } from '@syncline/core/internal';
import { describe, expect, test } from 'vitest';
import { createBackoff, retryAfterMs } from './backoff.ts';
import { manualClock } from './clock.ts';

describe('backoff', () => {
  test('full jitter within a doubling, capped window; reset starts over (trace)', () => {
    const draws = [0.5, 0.99, 0.25, 0.5, 0.5, 0.5, 0.999, 0.1];
    let i = 0;
    const b = createBackoff({ baseMs: 100, maxMs: 1000, random: () => draws[i++]! });
    const trace = [b.next(), b.next(), b.next(), b.next(), b.next(), b.next(), b.next()];
    // windows: 100, 200, 400, 800, 1000, 1000, 1000
    expect(trace).toEqual([50, 198, 100, 400, 500, 500, 999]);
    expect(b.attempts).toBe(7);
    b.reset();
    expect(b.attempts).toBe(0);
    expect(b.next()).toBe(10);
  });

  test('Retry-After is a floor', () => {
    const b = createBackoff({ baseMs: 100, maxMs: 1000, random: () => 0 });
    expect(b.next(5000)).toBe(5000);
    expect(retryAfterMs('3', 0)).toBe(3000);
    expect(retryAfterMs('Wed, 25 Nov 2026 13:00:10 GMT', Date.parse('2026-11-25T13:00:00.000Z'))).toBe(
      10_000,
    );
    expect(retryAfterMs(undefined, 0)).toBeUndefined();
  });

  test('same seed, same trace (replayable)', () => {
    const run = () => {
      const b = createBackoff({ random: seededRandom(42) });
      return Array.from({ length: 8 }, () => b.next());
    };
    expect(run()).toEqual(run());
  });

  test('manual clock fires timers in due order', () => {
    const clock = manualClock(0);
    const fired: number[] = [];
    clock.setTimeout(() => fired.push(clock.now()), 300);
    const h = clock.setTimeout(() => fired.push(-1), 100);
    clock.setTimeout(() => fired.push(clock.now()), 200);
    clock.clearTimeout(h);
    clock.advance(250);
    expect(fired).toEqual([200]);
    clock.advance(100);
    expect(fired).toEqual([200, 300]);
  });
});
