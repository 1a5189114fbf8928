/**
 * A token bucket on an injected clock: `perSecond` tokens refill it continuously up to `burst`;
 * each event takes one. Used for the realtime socket's message-rate limit (one bucket per socket).
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
