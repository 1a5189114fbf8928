import type { SynclineError } from '@syncline/core';
import type { ClientRejection } from './local-store.ts';

/**
 * What a UI shows about sync. `online`: the device thinks so (in Node it stays true: there is no
 * OS signal); `connected`: the server is reachable (the realtime socket is open, or the last
 * request reached it), the field to show as "syncing" vs "offline"; `realtime`: the socket is
 * open, so others' changes arrive within moments; `pending`: outbox entries not yet
 * acknowledged. `JSON.stringify(status)` keeps the error's code and message.
 *
 * @example
 * client.subscribe((s) => (dot.className = s.realtime ? 'live' : s.connected ? 'synced' : 'offline'));
 */
export interface SyncStatus {
  /** Whether the device thinks it is online (the NetworkMonitor). */
  online: boolean;
  /**
   * True while the realtime socket is open (welcomed) and after a request reached the server;
   * false after a request failed to reach it or an open socket was lost.
   */
  connected: boolean;
  /**
   * True while the realtime socket is open (welcomed by the server): pokes wake this client.
   * False when it is closed, reconnecting, refused, not configured, or not possible here (the
   * client then syncs on writes and the slow poll). In a follower tab: the leader's socket.
   */
  realtime: boolean;
  /**
   * What the loop is doing: waiting, pushing, pulling, or pulling while some collection has no
   * cursor yet.
   */
  phase: 'idle' | 'pushing' | 'pulling' | 'initial-sync';
  /** 0..1 during initial sync, else null. */
  progress: number | null;
  /** Local writes not yet acknowledged by the server (outbox entries). */
  pending: number;
  /** Clock time (ms) of the end of the last successful cycle or realtime pull, or null. */
  lastSyncedAt: number | null;
  /** The last sync failure; null after the next success. */
  error: SynclineError | null;
}

/**
 * The events of `client.on(event, cb)`, with their payloads.
 *
 * @example
 * client.on('rejected', (r) => showNotice(r.message, r.key));
 * client.on('reset', ({ collection }) => showBanner(`Your ${collection} were downloaded again.`));
 * client.on('error', (e) => reportToTracker(e));
 */
export interface ClientEvents {
  /**
   * The server refused a local change; the record was rolled back and the rejection stored until
   * dismissed (ARCHITECTURE.md §1.7). Emitted once per process.
   */
  rejected: ClientRejection;
  /** A collection finished re-downloading after a reset. */
  reset: { collection: string };
  /**
   * A background failure. A sync failure is emitted when its `code` differs from the previous
   * one (a retry of the same outage is silent; `status.error` always holds the latest).
   */
  error: SynclineError;
  /** `status` changed (the same callbacks as `client.subscribe`). */
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

/**
 * The part of a status that describes the sync loop's work, which only the instance running the
 * loop knows: what a follower tab mirrors from the leader (`client.mirror`).
 *
 * @example
 * const { connected, realtime, phase, progress, lastSyncedAt } = leader.status;
 * follower.mirror({ connected, realtime, phase, progress, lastSyncedAt });
 */
export type MirroredStatus = Pick<
  SyncStatus,
  'connected' | 'realtime' | 'phase' | 'progress' | 'lastSyncedAt'
>;

/** Picks the {@link MirroredStatus} fields of a status. */
export function mirroredOf(s: MirroredStatus): MirroredStatus {
  return {
    connected: s.connected,
    realtime: s.realtime,
    phase: s.phase,
    progress: s.progress,
    lastSyncedAt: s.lastSyncedAt,
  };
}

/**
 * Holds the status and emits `status` on every real change. A mirrored remote status (the
 * leader tab's) overlays this instance's own loop fields until `mirror(null)`.
 */
export class StatusHolder {
  private own: SyncStatus;
  private remote: MirroredStatus | null = null;
  private shown: SyncStatus;
  constructor(
    initial: SyncStatus,
    private readonly emitter: Emitter<ClientEvents>,
  ) {
    this.own = initial;
    this.shown = initial;
  }

  get current(): SyncStatus {
    return this.shown;
  }

  set(patch: Partial<SyncStatus>): void {
    this.own = { ...this.own, ...patch };
    this.show();
  }

  mirror(remote: MirroredStatus | null): void {
    this.remote = remote ? mirroredOf(remote) : null;
    this.show();
  }

  private show(): void {
    const next = this.remote ? { ...this.own, ...this.remote } : this.own;
    const keys = Object.keys(next) as Array<keyof SyncStatus>;
    if (keys.every((k) => Object.is(next[k], this.shown[k]))) return;
    this.shown = next;
    this.emitter.emit('status', next);
  }
}
