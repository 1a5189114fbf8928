import type { Clock } from '@syncline/client';
import { SynclineError } from '@syncline/core';
import {
  type BackgroundSyncRecord,
  type KeyValueStorage,
  readRecord,
  writeRecord,
} from './background-record.ts';

/**
 * What the helper needs of the client: `sync({ signal })` (a `SynclineClient` has it).
 *
 * @example
 * const target: BackgroundSyncClient = createClient({ schema, store, url });
 */
export interface BackgroundSyncClient {
  sync(opts?: { signal?: AbortSignal }): Promise<void>;
  /** When present, `pending` is recorded after each run. */
  readonly status?: { readonly pending: number };
}

/**
 * Options of {@link createBackgroundSync}.
 *
 * @example
 * const options: BackgroundSyncOptions = { client, budgetMs: 25_000, storage: AsyncStorage };
 */
export interface BackgroundSyncOptions {
  client: BackgroundSyncClient;
  /**
   * When the sync is told to stop (its `AbortSignal` fires). Default 25 s: iOS gives a
   * background fetch about 30 s, and the run must report completion before then.
   */
  budgetMs?: number;
  /**
   * How long after the abort the helper still waits for the sync to wind down (commit what it
   * received, finish the request in flight) before it resolves anyway. Default 2 s, so a run
   * resolves at most `budgetMs + graceMs` after it started.
   */
  graceMs?: number;
  /** Default: `Date.now` and the global timers. Tests pass `manualClock()`. */
  clock?: Clock;
  /** Keeps the last record across processes (AsyncStorage, MMKV…); default in memory only. */
  storage?: KeyValueStorage;
  /** The storage key; default `syncline:background-sync`. */
  storageKey?: string;
  /** Failures of the storage; never thrown (a background task must always report completion). */
  onError?: (error: unknown) => void;
}

/**
 * Runs of `client.sync()` on the OS's background schedule; see {@link createBackgroundSync}.
 *
 * @example
 * await background.load(); // what a headless run recorded
 * const stop = background.subscribe((r) => setFooter(`Background sync ${r.outcome}`));
 */
export interface BackgroundSync {
  /**
   * One bounded sync: resolves (never rejects) with what happened, at most `budgetMs + graceMs`
   * after it started. `signal` is the OS saying time is up (background-fetch's `onTimeout`): the
   * sync is aborted at once. A run called while one is in flight joins it.
   */
  run(opts?: { signal?: AbortSignal }): Promise<BackgroundSyncRecord>;
  /** The last record of this process, or the one {@link BackgroundSync.load} read; null before. */
  readonly last: BackgroundSyncRecord | null;
  /** Calls `cb` with every new record; returns unsubscribe. */
  subscribe(cb: (record: BackgroundSyncRecord) => void): () => void;
  /** Reads the last record from `storage` (one written by a headless task, say) into `last`. */
  load(): Promise<BackgroundSyncRecord | null>;
}

const systemClock: Clock = {
  now: () => Date.now(),
  setTimeout: (fn, ms) => globalThis.setTimeout(fn, ms),
  clearTimeout: (h) => globalThis.clearTimeout(h as ReturnType<typeof globalThis.setTimeout>),
};

/**
 * Background sync within the OS budget. Each run calls `client.sync({ signal })` and aborts it
 * when the budget runs out or the OS says time is up; the client stops after the request in
 * flight (cancelled) and keeps every unacknowledged change in its outbox. The client's loop runs
 * one cycle at a time: a run that starts while the foreground loop syncs waits for it, and the
 * abort also ends that wait, so a hanging foreground cycle cannot keep the task past its budget.
 *
 * What the run did is recorded (`last`, `subscribe`, and `storage` across processes) so the app
 * can show "last synced in background at …". Rejections the run meets are stored by the client,
 * and `client.rejections()` / `useRejections()` show them when the app comes back.
 *
 * Hook it to the OS with {@link configureBackgroundFetch} or {@link expoBackgroundTask}.
 *
 * @example
 * const background = createBackgroundSync({ client, storage: AsyncStorage });
 * const record = await background.run();
 * setLastBackgroundSync(`${record.outcome} at ${new Date(record.finishedAt).toLocaleTimeString()}`);
 */
export function createBackgroundSync(options: BackgroundSyncOptions): BackgroundSync {
  const clock = options.clock ?? systemClock;
  const budgetMs = Math.max(0, options.budgetMs ?? 25_000);
  const graceMs = Math.max(0, options.graceMs ?? 2_000);
  const key = options.storageKey ?? 'syncline:background-sync';
  const subs = new Set<(record: BackgroundSyncRecord) => void>();
  let last: BackgroundSyncRecord | null = null;
  let running: Promise<BackgroundSyncRecord> | null = null;

  const publish = (record: BackgroundSyncRecord) => {
    last = record;
    for (const cb of [...subs]) cb(record);
  };

  async function runOnce(external: AbortSignal | undefined): Promise<BackgroundSyncRecord> {
    const startedAt = clock.now();
    const controller = new AbortController();
    let stopped: 'budget' | 'os' | null = null;
    const timers: unknown[] = [];
    // Settles `graceMs` after the abort: the run resolves then even if the sync has not.
    let giveUp: () => void = () => {};
    const gaveUp = new Promise<'gave-up'>((resolve) => {
      giveUp = () => resolve('gave-up');
    });
    const stop = (why: 'budget' | 'os') => {
      if (stopped) return;
      stopped = why;
      controller.abort(
        new SynclineError('aborted', 'The background task ran out of time; syncing continues later.'),
      );
      timers.push(clock.setTimeout(giveUp, graceMs));
    };
    timers.push(clock.setTimeout(() => stop('budget'), budgetMs));
    const onExternal = () => stop('os');
    if (external?.aborted) onExternal();
    else external?.addEventListener('abort', onExternal, { once: true });

    let failure: unknown = null;
    const syncing = options.client.sync({ signal: controller.signal }).then(
      () => 'done' as const,
      (error: unknown) => {
        failure = error;
        return 'failed' as const;
      },
    );
    const settled = await Promise.race([syncing, gaveUp]);
    external?.removeEventListener('abort', onExternal);

    const error = settled === 'gave-up' ? null : asError(failure);
    const record: BackgroundSyncRecord = {
      startedAt,
      finishedAt: clock.now(),
      outcome:
        settled === 'done'
          ? 'synced'
          : stopped
            ? 'timed-out'
            : error?.code === 'network'
              ? 'offline'
              : 'failed',
      error:
        settled === 'gave-up'
          ? { code: 'aborted', message: 'The sync did not stop within the grace period after the abort.' }
          : error,
      pending: options.client.status?.pending ?? null,
    };
    publish(record);
    if (options.storage) {
      // Bounded like the sync: a storage that hangs must not keep the task from finishing.
      if (!stopped) timers.push(clock.setTimeout(giveUp, graceMs));
      await Promise.race([
        writeRecord(options.storage, key, record).catch((e: unknown) => options.onError?.(e)),
        gaveUp,
      ]);
    }
    for (const t of timers) clock.clearTimeout(t);
    return record;
  }

  return {
    run(opts = {}) {
      running ??= runOnce(opts.signal).finally(() => {
        running = null;
      });
      return running;
    },
    get last() {
      return last;
    },
    subscribe(cb) {
      subs.add(cb);
      return () => subs.delete(cb);
    },
    async load() {
      if (!options.storage) return last;
      try {
        const stored = await readRecord(options.storage, key);
        if (stored && (!last || stored.finishedAt > last.finishedAt)) publish(stored);
      } catch (e) {
        options.onError?.(e);
      }
      return last;
    },
  };
}

function asError(e: unknown): { code: string; message: string } | null {
  if (e === null || e === undefined) return null;
  if (e instanceof SynclineError) return { code: e.code, message: e.message };
  return { code: 'internal', message: e instanceof Error ? e.message : String(e) };
}
