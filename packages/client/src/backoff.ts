/**
 * Exponential backoff with full jitter (AWS style): the n-th retry waits a uniformly random time
 * in [0, min(maxMs, baseMs · 2^n)), drawn from the injected `random`, so traces replay exactly.
 *
 * @example
 * const backoff = createBackoff({ random: seededRandom(1) });
 * const wait = backoff.next();   // after a failure
 * backoff.reset();               // after a success
 */
export interface Backoff {
  /** Delay before the next attempt; grows the window. */
  next(minMs?: number): number;
  /** Back to the first window (after a success or when the network comes back). */
  reset(): void;
  /** Failures since the last reset. */
  readonly attempts: number;
}

export interface BackoffOptions {
  baseMs?: number;
  maxMs?: number;
  random: () => number;
}

export function createBackoff({ baseMs = 1000, maxMs = 60_000, random }: BackoffOptions): Backoff {
  let attempts = 0;
  return {
    next(minMs = 0) {
      const cap = Math.min(maxMs, baseMs * 2 ** Math.min(attempts, 30));
      attempts++;
      // A server's Retry-After is a floor: never come back earlier than it asked.
      return Math.max(minMs, Math.floor(random() * cap));
    },
    reset() {
      attempts = 0;
    },
    get attempts() {
      return attempts;
    },
  };
}

/** Parses a `Retry-After` header (seconds or an HTTP date) into milliseconds from `now`. */
export function retryAfterMs(header: string | undefined, now: number): number | undefined {
  if (header === undefined) return undefined;
  const secs = Number(header);
  if (Number.isFinite(secs)) return Math.max(0, secs * 1000);
  const at = Date.parse(header);
  return Number.isNaN(at) ? undefined : Math.max(0, at - now);
}
