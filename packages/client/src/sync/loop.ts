import { SynclineError } from '@syncline/core';
import type { Backoff } from '../backoff.ts';
import type { NetworkMonitor } from '../network.ts';
import type { SyncContext } from './context.ts';
import { pullAll } from './pull.ts';
import { pushAll } from './push.ts';
import { notifyRejections } from './rejections.ts';
import { RequestError } from './request.ts';

/**
 * What the loop tells its owner (the client), so the loop holds no UI state itself. Rejection
 * notices are the loop's own: it sends them through `ctx.rejected` ({@link SyncLoop.notifyRejections}).
 */
export interface LoopDelegate {
  cycleDone(): void;
  /** A cycle failed; `null` after the next success. */
  failed(error: SynclineError | null): void;
}

export interface LoopOptions {
  ctx: SyncContext;
  network: NetworkMonitor;
  backoff: Backoff;
  delegate: LoopDelegate;
  pushDebounceMs: number;
  pollIntervalMs: number;
  /** The realtime socket, if any: active while the loop runs and the device is online. */
  realtime?: { setActive(active: boolean): void } | undefined;
}

/** Any thrown value as a SynclineError (aborts become `aborted`). */
export function asSynclineError(e: unknown): SynclineError {
  if (e instanceof SynclineError) return e;
  if (e instanceof Error && e.name === 'AbortError')
    return new SynclineError('aborted', 'Syncing was cancelled.', { cause: e });
  return new SynclineError('internal', 'Syncing failed unexpectedly; it will be retried.', {
    cause: e,
    retryable: true,
  });
}

/** The abort reason as an Error named AbortError (what `asSynclineError` maps to `aborted`). */
function abortReason(signal: AbortSignal): Error {
  const reason: unknown = signal.reason;
  if (reason instanceof Error && reason.name === 'AbortError') return reason;
  return Object.assign(new Error('Syncing was cancelled before it could start.'), {
    name: 'AbortError',
    cause: reason,
  });
}

/**
 * The sync loop: one cycle = push until the outbox is empty or blocked, then pull until no
 * collection has more. Cycles never overlap (a mutex), so push and pull never run at once.
 * Triggers: local writes (debounced), the network coming online, a slow poll timer, `sync()`.
 * Realtime pokes run pulls only ({@link SyncLoop.pullSoon}), coalesced, under the same mutex.
 * Failures go to the delegate and are retried after a backoff; while offline no request is made.
 *
 * @example
 * const loop = new SyncLoop({ ctx, network, backoff, delegate, pushDebounceMs: 50, pollIntervalMs: 30_000 });
 * loop.start();
 * loop.poke(); // after a local write
 */
export class SyncLoop {
  private started = false;
  private timer: unknown = null;
  private timerAt = Number.POSITIVE_INFINITY;
  private mutex: Promise<unknown> = Promise.resolve();
  /** The background runs (cycles, realtime pulls) in flight or waiting for the mutex. */
  private readonly controllers = new Set<AbortController>();
  private unsubscribe: (() => void) | null = null;
  /** Collections poked since the last realtime pull started. */
  private readonly wanted = new Set<string>();
  private draining: Promise<void> | null = null;
  /** Clock time before which pokes pull nothing (the server's last `Retry-After`). */
  private pokesHeldUntil = Number.NEGATIVE_INFINITY;
  /** Keys of the stored rejections this process has emitted (each is emitted once). */
  private readonly emitted = new Set<string>();
  /** A cycle queued by a local write (no debounce) has not begun pushing yet. */
  private writeCycle = false;

  constructor(private readonly o: LoopOptions) {}

  /**
   * Emits `rejected` (through `ctx.rejected`) for every stored rejection not yet notified, once
   * per process. Runs after every applied push round and every pull (revoked rows may have
   * stored rejections, decision 0012); the client calls it on `start()` and on an external change
   * (rejections stored by an earlier run, a background task or another writer).
   */
  notifyRejections(): Promise<void> {
    return notifyRejections(this.o.ctx, this.emitted);
  }

  start(): void {
    if (this.started) return;
    this.started = true;
    this.unsubscribe = this.o.network.subscribe((online) => {
      this.o.realtime?.setActive(online);
      if (!online) return;
      // Coming back online is news: forget the backoff and try now.
      this.o.backoff.reset();
      this.schedule(0, true);
    });
    this.schedule(0, true);
    this.o.realtime?.setActive(this.o.network.online);
  }

  /** Stops the loop; resolves once a cycle in flight has settled (no request of this loop is then pending). */
  stop(): Promise<void> {
    this.started = false;
    this.unsubscribe?.();
    this.unsubscribe = null;
    this.o.realtime?.setActive(false);
    this.clearTimer();
    this.wanted.clear();
    this.writeCycle = false;
    for (const c of this.controllers) c.abort();
    return this.mutex.then(
      () => undefined,
      () => undefined,
    );
  }

  /**
   * A local write committed: sync soon (debounced), unless backing off after a failure. Without
   * a debounce the cycle is queued at once, not behind a timer (at least 1 ms in Node); writes
   * made before it begins pushing are sent by it, so they queue no cycle of their own.
   */
  poke(): void {
    if (this.o.backoff.attempts > 0) return;
    if (this.o.pushDebounceMs > 0) {
      this.schedule(this.o.pushDebounceMs, false);
      return;
    }
    if (this.writeCycle || !this.started || !this.o.network.online) return;
    this.writeCycle = true;
    this.clearTimer();
    void this.background();
  }

  /**
   * Realtime: the socket was welcomed, so the server is reachable again. Forget the backoff and
   * run a full cycle now: its push sends what was written while the server was away (a local
   * write during a backoff only waits for the backoff), and its pull brings whatever changed
   * while the socket was closed.
   */
  reconnected(): void {
    if (!this.started) return;
    this.o.backoff.reset();
    this.clearTimer();
    void this.background();
  }

  /**
   * Realtime: pull `collections` soon (a poke, or all of them after the socket's welcome).
   * Coalesced: pokes that arrive while a pull runs or waits cause exactly one more pull, of all
   * the collections they named. A failure is reported and retried as a full cycle after backoff;
   * pokes before a failure's `Retry-After` has passed (a 429, a 503) pull nothing: the retry
   * pulls every collection, so a rate-limited client does not pull again per poke.
   */
  pullSoon(collections: readonly string[]): void {
    if (!this.started || this.o.ctx.clock.now() < this.pokesHeldUntil) return;
    for (const c of collections) if (Object.hasOwn(this.o.ctx.schema.collections, c)) this.wanted.add(c);
    if (this.wanted.size === 0) return;
    this.draining ??= this.drain().finally(() => {
      this.draining = null;
    });
  }

  private async drain(): Promise<void> {
    while (this.wanted.size > 0 && this.started && this.o.network.online) {
      const controller = new AbortController();
      this.controllers.add(controller);
      try {
        await this.exclusive(async () => {
          // Taken when the pull starts, so pokes that came while it waited ride along.
          const names = [...this.wanted];
          this.wanted.clear();
          if (names.length === 0 || controller.signal.aborted) return;
          try {
            await pullAll(this.o.ctx, controller.signal, names);
            await this.notifyRejections();
            this.o.delegate.cycleDone();
          } finally {
            this.o.ctx.progress.phase('idle');
          }
        });
      } catch (e) {
        if (controller.signal.aborted || !this.started) return;
        const err = asSynclineError(e);
        this.o.delegate.failed(err);
        this.wanted.clear();
        const floor = err instanceof RequestError ? err.retryAfterMs : undefined;
        this.holdPokes(floor);
        this.schedule(this.o.backoff.next(floor), true);
        return;
      } finally {
        this.controllers.delete(controller);
      }
    }
  }

  /**
   * Runs one full cycle now (after any cycle in progress) and resolves when it is done.
   * Throws the cycle's error; offline throws `network` without making a request. `signal`
   * also covers the wait for a cycle in progress (a background task with an OS deadline must
   * not outlive it behind a hanging foreground cycle): aborted while waiting, it rejects with
   * `aborted` at once and its cycle never starts; aborted during its cycle, the request in
   * flight is cancelled and the outbox keeps every unacknowledged entry (re-sent later under
   * the same seq, so a push the server did apply is not applied twice).
   */
  async sync(signal?: AbortSignal): Promise<void> {
    this.assertOnline();
    try {
      await this.exclusive(() => this.cycle(signal), signal);
    } catch (e) {
      const err = asSynclineError(e);
      this.o.delegate.failed(err);
      throw err;
    }
    this.o.backoff.reset();
    this.o.delegate.failed(null);
    if (this.started) this.schedule(this.o.pollIntervalMs, false);
  }

  /** Runs only the pull half of a cycle, exclusively; throws on failure. */
  async pullOnly(signal?: AbortSignal): Promise<void> {
    this.assertOnline();
    try {
      await this.exclusive(async () => {
        try {
          await pullAll(this.o.ctx, signal);
          await this.notifyRejections();
        } finally {
          this.o.ctx.progress.phase('idle');
        }
      }, signal);
    } catch (e) {
      const err = asSynclineError(e);
      this.o.delegate.failed(err);
      throw err;
    }
  }

  /** Offline: fail at once, without a request, with the message a person may see. */
  private assertOnline(): void {
    if (this.o.network.online) return;
    throw new SynclineError(
      'network',
      'You are offline. Your changes have been saved and will be synced when you are back online.',
      { retryable: true },
    );
  }

  /**
   * Runs `fn` after every earlier run. With `signal`, the caller stops waiting when it aborts:
   * the returned promise rejects at once, and `fn` is skipped when its turn comes, so the order
   * of the runs that remain is unchanged and two runs never overlap.
   */
  private exclusive<T>(fn: () => Promise<T>, signal?: AbortSignal): Promise<T> {
    const guarded = () => {
      signal?.throwIfAborted();
      return fn();
    };
    const run = this.mutex.then(guarded, guarded);
    this.mutex = run.catch(() => undefined);
    if (!signal) return run;
    if (signal.aborted) return Promise.reject(abortReason(signal));
    return new Promise<T>((resolve, reject) => {
      const onAbort = () => reject(abortReason(signal));
      signal.addEventListener('abort', onAbort, { once: true });
      run.then(resolve, reject).finally(() => signal.removeEventListener('abort', onAbort));
    });
  }

  private async cycle(signal: AbortSignal | undefined): Promise<void> {
    const { ctx } = this.o;
    // Any cycle pushes what local writes have queued so far.
    this.writeCycle = false;
    try {
      await ctx.failpoint('loop:before-push');
      ctx.progress.phase('pushing');
      await pushAll(ctx, signal, () => this.notifyRejections());
      await ctx.failpoint('loop:before-pull');
      // pullAll reports 'pulling' or 'initial-sync' itself. Pokes heard before its first request
      // is sent are answered by it (their changes were committed before the poke was sent): no
      // pull of their own, e.g. the poke a push's own write brings back to its writer. Should the
      // pull fail they are wanted again, so the pull queued for them still runs.
      let covered: string[] = [];
      try {
        await pullAll(ctx, signal, undefined, () => {
          covered = [...this.wanted];
          this.wanted.clear();
        });
      } catch (e) {
        if (this.started) for (const c of covered) this.wanted.add(c);
        throw e;
      }
      await this.notifyRejections();
      this.o.delegate.cycleDone();
      await ctx.failpoint('loop:after-cycle');
    } finally {
      ctx.progress.phase('idle');
    }
  }

  /** Background run: never throws; a failure is reported and retried after a backoff. */
  private async background(): Promise<void> {
    if (!this.started || !this.o.network.online) return;
    const controller = new AbortController();
    this.controllers.add(controller);
    try {
      await this.exclusive(() => this.cycle(controller.signal));
      this.o.backoff.reset();
      this.o.delegate.failed(null);
      // Keep an earlier timer: a write made during the cycle must not wait for the poll.
      this.schedule(this.o.pollIntervalMs, false);
    } catch (e) {
      if (controller.signal.aborted || !this.started) return;
      const err = asSynclineError(e);
      this.o.delegate.failed(err);
      const floor = err instanceof RequestError ? err.retryAfterMs : undefined;
      this.holdPokes(floor);
      this.schedule(this.o.backoff.next(floor), true);
    } finally {
      this.controllers.delete(controller);
    }
  }

  /** The server asked to wait `retryAfterMs`: pokes pull nothing until then. */
  private holdPokes(retryAfterMs: number | undefined): void {
    if (retryAfterMs !== undefined) this.pokesHeldUntil = this.o.ctx.clock.now() + retryAfterMs;
  }

  /** Arms the one timer for `ms` from now; keeps an earlier one unless `replace`. */
  private schedule(ms: number, replace: boolean): void {
    if (!this.started) return;
    const at = this.o.ctx.clock.now() + ms;
    if (this.timer !== null && !replace && this.timerAt <= at) return;
    this.clearTimer();
    this.timerAt = at;
    this.timer = this.o.ctx.clock.setTimeout(() => {
      this.timer = null;
      this.timerAt = Number.POSITIVE_INFINITY;
      void this.background();
    }, ms);
  }

  private clearTimer(): void {
    if (this.timer !== null) this.o.ctx.clock.clearTimeout(this.timer);
    this.timer = null;
    this.timerAt = Number.POSITIVE_INFINITY;
  }
}
