/**
 * Periodic garbage collection inside a server process (`syncline serve --gc-every 1h`). Several
 * servers on one PostgreSQL database may all run it: a GC is one transaction, and a second one
 * finds little left to remove.
 */
import type { ServerStore } from '../stores/types.ts';

/** Options of {@link scheduleGc}. */
export interface GcScheduleOptions {
  /** Time between the end of one run and the start of the next, in ms. */
  everyMs: number;
  /** Tombstones older than this are removed, in ms. */
  olderThanMs: number;
  /** Told after each successful run. */
  onResult?: (result: { removed: number; olderThanMs: number; ms: number }) => void;
  /** Told when a run fails; the schedule goes on (the database may be back next time). */
  onError?: (error: unknown) => void;
}

/** A running schedule. */
export interface GcSchedule {
  /** Cancels future runs and waits for a run in progress, so the store can close after it. */
  stop(): Promise<void>;
}

/**
 * Runs `store.gc(olderThanMs)` every `everyMs`, first after one interval. Never throws and never
 * overlaps runs: a slow run pushes the next one back instead of stacking up transactions.
 *
 * @example
 * const gc = scheduleGc(store, { everyMs: 3_600_000, olderThanMs: 30 * 86_400_000, onError: report });
 * // on shutdown, before store.close():
 * await gc.stop();
 */
export function scheduleGc(store: ServerStore, options: GcScheduleOptions): GcSchedule {
  let timer: NodeJS.Timeout | undefined;
  let running: Promise<void> | undefined;
  let stopped = false;
  const tell = (fn: () => void) => {
    try {
      fn();
    } catch {
      // A failing reporter must not stop the schedule.
    }
  };

  async function runOnce(): Promise<void> {
    const began = performance.now();
    try {
      const { removed } = await store.gc(options.olderThanMs);
      tell(() =>
        options.onResult?.({ removed, olderThanMs: options.olderThanMs, ms: performance.now() - began }),
      );
    } catch (error) {
      tell(() => options.onError?.(error));
    }
  }

  function arm(): void {
    if (stopped) return;
    timer = setTimeout(() => {
      running = runOnce().finally(() => {
        running = undefined;
        arm();
      });
    }, options.everyMs);
    // The schedule alone must not keep a process alive that has nothing else to do.
    timer.unref();
  }

  arm();
  return {
    async stop() {
      stopped = true;
      clearTimeout(timer);
      await running;
    },
  };
}
