/**
 * Token buckets by key (a user id, a client address): each key may spend `burst` requests at
 * once and gets `perSecond` back every second. In memory, per process: several instances behind
 * a load balancer each keep their own buckets (decision 0017).
 */

/**
 * A token bucket on an injected clock: `perSecond` tokens refill it continuously up to `burst`;
 * each event takes one. The keyed limiter below holds one per key; the realtime socket's
 * message-rate limit holds one per socket.
 *
 * @example
 * const bucket = new TokenBucket(10, 50, Date.now());
 * if (bucket.take(Date.now()) > 0) socket.close(4429, rateLimitReason(bucket.fillMs()));
 */
export class TokenBucket {
  #tokens: number;
  #at: number;

  constructor(
    readonly perSecond: number,
    readonly burst: number,
    now: number,
  ) {
    this.#tokens = burst;
    this.#at = now;
  }

  /** Takes one token: 0 when there was one, else the ms until one is back (nothing taken). */
  take(now: number): number {
    this.#refill(now);
    if (this.#tokens >= 1) {
      this.#tokens -= 1;
      return 0;
    }
    return Math.ceil(((1 - this.#tokens) * 1000) / this.perSecond);
  }

  /** Whether the bucket has refilled completely (then it is the same as a new one). */
  isFull(now: number): boolean {
    this.#refill(now);
    return this.#tokens >= this.burst;
  }

  /** Ms an empty bucket takes to fill again: the retry hint of a refused client. */
  fillMs(): number {
    return Math.ceil((this.burst * 1000) / this.perSecond);
  }

  #refill(now: number): void {
    const elapsed = Math.max(0, now - this.#at);
    this.#at = Math.max(this.#at, now);
    this.#tokens = Math.min(this.burst, this.#tokens + (elapsed * this.perSecond) / 1000);
  }
}

/** How fast a bucket refills and how much it holds. */
export interface RateSpec {
  /** Requests per second each key gets back (may be fractional, e.g. 0.5). */
  perSecond: number;
  /** Requests a full bucket allows at once; at least 1. */
  burst: number;
}

/** The answer of {@link RateLimiter.take}. */
export type TakeResult = { ok: true } | { ok: false; retryAfterSeconds: number };

/** Buckets of one kind (per user, or per address). */
export interface RateLimiter {
  /** Spends one request of `key`'s bucket, or says how many whole seconds until one is back. */
  take(key: string): TakeResult;
  /** Keys currently tracked (full buckets are dropped as they are met). */
  readonly size: number;
}

/** Above this many keys, full buckets are swept, then the oldest keys forgotten. */
const DEFAULT_MAX_KEYS = 100_000;

/**
 * Checks a spec and throws a clear error for a bad one; `source` names the option in it.
 *
 * @example
 * checkRateSpec({ perSecond: 20, burst: 100 }, 'rateLimit.user'); // fine
 */
export function checkRateSpec(spec: RateSpec, source: string): void {
  if (!Number.isFinite(spec.perSecond) || spec.perSecond <= 0) {
    throw new TypeError(`${source}.perSecond must be a positive number, got ${String(spec.perSecond)}.`);
  }
  if (!Number.isInteger(spec.burst) || spec.burst < 1) {
    throw new TypeError(`${source}.burst must be a whole number of at least 1, got ${String(spec.burst)}.`);
  }
}

/**
 * Creates the buckets of one kind. `now` is in milliseconds (injectable for tests). Memory is
 * bounded: a bucket that has refilled is the same as no bucket, so it is dropped when the map
 * grows past `maxKeys`; if every bucket is still in use, the oldest keys are forgotten (they
 * start again full — lenient, never a wrong 429).
 *
 * @example
 * const perUser = createRateLimiter({ perSecond: 20, burst: 100 });
 * const verdict = perUser.take(userId); // { ok: false, retryAfterSeconds: 1 } once the burst is spent
 */
export function createRateLimiter(
  spec: RateSpec,
  options: { now?: () => number; maxKeys?: number } = {},
): RateLimiter {
  const now = options.now ?? (() => performance.now());
  const maxKeys = options.maxKeys ?? DEFAULT_MAX_KEYS;
  const buckets = new Map<string, TokenBucket>();

  function sweep(t: number): void {
    for (const [key, bucket] of buckets) if (bucket.isFull(t)) buckets.delete(key);
    for (const key of buckets.keys()) {
      if (buckets.size <= maxKeys / 2) break;
      buckets.delete(key);
    }
  }

  return {
    take(key) {
      const t = now();
      let bucket = buckets.get(key);
      if (bucket === undefined) {
        if (buckets.size >= maxKeys) sweep(t);
        bucket = new TokenBucket(spec.perSecond, spec.burst, t);
        buckets.set(key, bucket);
      }
      const waitMs = bucket.take(t);
      return waitMs === 0
        ? { ok: true }
        : { ok: false, retryAfterSeconds: Math.max(1, Math.ceil(waitMs / 1000)) };
    },
    get size() {
      return buckets.size;
    },
  };
}
