import type { Limits, SchemaDef } from '@syncline/core';
import type { Clock } from '../clock.ts';
import type { FailpointName } from '../failpoints.ts';
import type { ClientRejection, LocalStore } from '../local-store.ts';
import type { Transport } from '../transport.ts';

/** What the steps report while they run; the client turns it into `status`. */
export interface ProgressSink {
  phase(phase: 'idle' | 'pushing' | 'pulling' | 'initial-sync', progress?: number | null): void;
  /** A request reached the server (any HTTP answer) or did not (network error). */
  reached(connected: boolean): void;
}

/**
 * Everything a sync step needs, injected: no step reads globals, so tests replay exactly.
 * `session` is per-process state (lost on restart, by design: it is all re-derivable).
 */
export interface SyncContext {
  schema: SchemaDef;
  store: LocalStore;
  transport: Transport;
  clock: Clock;
  ids: () => string;
  failpoint(name: FailpointName): Promise<void>;
  getToken(forceRefresh: boolean): Promise<string | null>;
  /**
   * Called after a committed tx touched these collections (live queries, pending count).
   * `outbox: false`: the tx left the outbox as it was, so the pending count is not read again.
   */
  changed(collections: Iterable<string>, opts?: { outbox?: boolean }): void;
  rejected(rejection: ClientRejection): void;
  reset(collection: string): void;
  progress: ProgressSink;
  pullLimit: number;
  session: {
    limits: Limits | null;
    /** Upper bound on mutations per push, halved on 413 and after repeated timeouts; null = the server's limit. */
    batchSize: number | null;
    /** Pushes in a row that failed with a network error after a long time in flight (a timeout). */
    slowPushFailures?: number;
    /**
     * What the last pulls committed (decision 0034): the client id and, per collection with no
     * rows to check, its stored cursor, so a pull can be sent without reading them first. Set only
     * after the commit; the page's tx checks the store still holds them (another writer may have
     * changed it), else the pull starts again from the store.
     */
    pulled?: PullMemory | undefined;
  };
}

/** See {@link SyncContext.session}'s `pulled`. */
export interface PullMemory {
  clientId: string;
  cursors: Map<string, string | null>;
}

/** Meta keys of the engine's own bookkeeping in the LocalStore. */
export const META = {
  clientId: 'clientId',
  lastSeq: 'lastSeq',
  cursor: (c: string) => `cursor:${c}`,
  /** `'requested'`: reset wanted, rows not yet marked; `true`: marked, re-downloading. */
  reset: (c: string) => `reset:${c}`,
  fingerprint: (c: string) => `fingerprint:${c}`,
  /** Rows got or dropped outside the pull stream, for the next pull's `check` (decision 0012). */
  check: (c: string) => `check:${c}`,
  lastSyncedAt: 'lastSyncedAt',
} as const;
