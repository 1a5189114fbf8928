import { SynclineError } from '@syncline/core';

/** The Web Locks subset used here (tabs and service workers both have `navigator.locks`). */
export type Locks = Pick<LockManager, 'request'>;

/** The lock every syncer of a database takes: the leader tab and the service worker. */
export function syncLockName(database: string): string {
  return `syncline:${database}:sync`;
}

/** This tab's place in the election for the sync lock (see {@link electLeader}). */
export interface Leadership {
  /** Whether this tab holds the sync lock now. */
  readonly isLeader: boolean;
  /** Resolves when this tab becomes the leader (never, if it resigns first). */
  readonly elected: Promise<void>;
  /** Gives up leadership (or stops waiting for it); another tab takes over. */
  resign(): Promise<void>;
}

/** Options of {@link electLeader}. */
export interface LeadershipOptions {
  /** Lock name; use {@link syncLockName} so the service worker takes the same lock. */
  lock: string;
  /** Runs when this tab becomes the leader: start the sync loop here. */
  onLead(): void | Promise<void>;
  /** Runs when this tab stops leading via {@link Leadership.resign}: stop the loop here. */
  onResign?(): void | Promise<void>;
  locks?: Locks;
}

/**
 * Multi-tab leadership on Web Locks: every tab queues for one exclusive lock; the holder runs
 * the sync loop. The browser releases a closed or crashed tab's locks at once and grants the
 * lock to the next tab in the queue, so a new leader starts within milliseconds — no heartbeats,
 * no timeouts, no split brain (a tab that lost its lock can no longer be holding it).
 *
 * @example
 * const leadership = electLeader({
 *   lock: syncLockName('todo'),
 *   onLead: () => client.start(),
 *   onResign: () => client.stop(),
 * });
 */
export function electLeader(options: LeadershipOptions): Leadership {
  const locks = options.locks ?? (globalThis.navigator as Navigator | undefined)?.locks;
  if (!locks) {
    throw new SynclineError(
      'invalid',
      'Web Locks (navigator.locks) are not available here; multi-tab sync needs a browser from 2022 or later and a secure context (https or localhost).',
    );
  }
  let leader = false;
  let release: (() => void) | undefined;
  let elect!: () => void;
  const elected = new Promise<void>((resolve) => {
    elect = resolve;
  });
  const waiting = new AbortController();
  const held = locks
    .request(options.lock, { mode: 'exclusive', signal: waiting.signal }, async () => {
      leader = true;
      elect();
      // Hold the lock until resign() or until the tab goes away.
      const resigned = new Promise<void>((resolve) => {
        release = resolve;
      });
      try {
        await options.onLead();
        await resigned;
      } finally {
        leader = false;
      }
    })
    // An abort while still queued (resign before election) is the expected way out.
    .catch(() => undefined);

  return {
    get isLeader() {
      return leader;
    },
    elected,
    async resign() {
      if (!leader) {
        waiting.abort();
        await held;
        return;
      }
      leader = false;
      await options.onResign?.();
      release?.();
      await held;
    },
  };
}
