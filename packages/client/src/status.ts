import type { SynclineError } from '@syncline/core';
import type { ClientRejection } from './local-store.ts';

/**
 * What a UI shows about sync. `online`: the device thinks so (in Node it stays true: there is no
 * OS signal); `connected`: the last request reached the server, the field to show as "syncing"
 * vs "offline"; `pending`: outbox entries not yet acknowledged. `JSON.stringify(status)` keeps
 * the error's code and message.
 */
export interface SyncStatus {
  online: boolean;
  connected: boolean;
  phase: 'idle' | 'pushing' | 'pulling' | 'initial-sync';
  /** 0..1 during initial sync, else null. */
  progress: number | null;
  pending: number;
  /** Clock time (ms) of the end of the last successful cycle, or null. */
  lastSyncedAt: number | null;
  error: SynclineError | null;
}

export interface ClientEvents {
  rejected: ClientRejection;
  /** A collection finished re-downloading after a reset. */
  reset: { collection: string };
  /**
   * A background failure. A sync failure is emitted when its `code` differs from the previous
   * one (a retry of the same outage is silent; `status.error` always holds the latest).
   */
  error: SynclineError;
  status: SyncStatus;
}

/** A tiny typed event emitter; a throwing listener never breaks the engine. */
export class Emitter<E> {
  private readonly subs = new Map<keyof E, Set<(payload: never) => void>>();

  on<K extends keyof E>(event: K, cb: (payload: E[K]) => void): () => void {
    let set = this.subs.get(event);
    if (!set) {
      set = new Set();
      this.subs.set(event, set);
    }
    set.add(cb as (payload: never) => void);
    return () => set.delete(cb as (payload: never) => void);
  }

  emit<K extends keyof E>(event: K, payload: E[K]): void {
    for (const cb of [...(this.subs.get(event) ?? [])]) {
      try {
        (cb as (p: E[K]) => void)(payload);
      } catch {
        // A listener's bug must not stop sync; there is nowhere safe to report it from here.
      }
    }
  }
}

/** Holds the status and emits `status` on every real change. */
export class StatusHolder {
  private value: SyncStatus;
  constructor(
    initial: SyncStatus,
    private readonly emitter: Emitter<ClientEvents>,
  ) {
    this.value = initial;
  }

  get current(): SyncStatus {
    return this.value;
  }

  set(patch: Partial<SyncStatus>): void {
    const next = { ...this.value, ...patch };
    const keys = Object.keys(patch) as Array<keyof SyncStatus>;
    if (keys.every((k) => Object.is(next[k], this.value[k]))) return;
    this.value = next;
    this.emitter.emit('status', next);
  }
}
