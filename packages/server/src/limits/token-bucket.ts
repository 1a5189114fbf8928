/**
 * Token buckets by key (a user id, a client address): each key may spend `burst` requests at
 * once and gets `perSecond` back every second. In memory, per process: several instances behind
 * a load balancer each keep their own buckets (decision 0017).
 */

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

interface Bucket {
  tokens: number;
  at: number;
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
  const buckets = new Map<string, Bucket>();
  const perMs = spec.perSecond / 1000;

  const level = (bucket: Bucket, t: number) => Math.min(spec.burst, bucket.tokens + (t - bucket.at) * perMs);

  function sweep(t: number): void {
    for (const [key, bucket] of buckets) if (level(bucket, t) >= spec.burst) buckets.delete(key);
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
        bucket = { tokens: spec.burst, at: t };
        buckets.set(key, bucket);
      }
      const tokens = level(bucket, t);
      bucket.at = t;
      if (tokens >= 1) {
        bucket.tokens = tokens - 1;
        return { ok: true };
      }
      bucket.tokens = tokens;
      return { ok: false, retryAfterSeconds: Math.max(1, Math.ceil((1 - tokens) / spec.perSecond)) };
    },
    get size() {
      return buckets.size;
    },
  };
}
