/**
 * Time, injected: the engine never reads `Date.now()` or global timers directly, so tests run on a
 * manual clock and replay exactly.
 *
 * @example
 * const client = createClient({ schema, store, clock: systemClock });
 */
export interface Clock {
  /** Milliseconds since the epoch. */
  now(): number;
  /** Runs `fn` after `ms`; answers a handle for `clearTimeout`. */
  setTimeout(fn: () => void, ms: number): unknown;
  /** Cancels a timer of `setTimeout`. */
  clearTimeout(handle: unknown): void;
}

/** The real clock: `Date.now` and the global timers. */
export const systemClock: Clock = {
  now: () => Date.now(),
  setTimeout: (fn, ms) => globalThis.setTimeout(fn, ms),
  clearTimeout: (h) => globalThis.clearTimeout(h as ReturnType<typeof globalThis.setTimeout>),
};

/**
 * A clock that only moves when told to, for trace tests.
 *
 * @example
 * const clock = manualClock(0);
 * clock.setTimeout(() => fired.push(clock.now()), 100);
 * clock.advance(100); // fires
 */
export function manualClock(start = 0): Clock & { advance(ms: number): void; pending(): number[] } {
  let now = start;
  let nextId = 1;
  const timers = new Map<number, { at: number; fn: () => void }>();
  return {
    now: () => now,
    setTimeout(fn, ms) {
      const id = nextId++;
      timers.set(id, { at: now + Math.max(0, ms), fn });
      return id;
    },
    clearTimeout(h) {
      timers.delete(h as number);
    },
    /** Moves time forward, firing due timers in time order (each sees `now()` = its due time). */
    advance(ms) {
      const end = now + ms;
      for (;;) {
        let first: [number, { at: number; fn: () => void }] | undefined;
        for (const t of timers) if (t[1].at <= end && (!first || t[1].at < first[1].at)) first = t;
        if (!first) break;
        timers.delete(first[0]);
        now = first[1].at;
        first[1].fn();
      }
      now = end;
    },
    /** Due times of the timers not yet fired. */
    pending: () => [...timers.values()].map((t) => t.at).sort((a, b) => a - b),
  };
}
