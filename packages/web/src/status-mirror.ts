import type { MirroredStatus, SyncStatus } from '@syncline/client';
import type { SharedStore } from './changes.ts';

/**
 * The leader tab's loop status, posted on the tabs' channel.
 *
 * @example
 * store.post({ type: 'syncline:status', status: { connected: true, realtime: true, phase: 'idle', progress: null, lastSyncedAt: Date.now() } });
 */
export interface StatusNotice {
  type: 'syncline:status';
  status: MirroredStatus;
}

/**
 * A tab that starts following asks the leader for its status.
 *
 * @example
 * store.post({ type: 'syncline:status?' });
 */
export interface StatusRequest {
  type: 'syncline:status?';
}

/**
 * The client API the mirror uses (a `SynclineClient` fits).
 *
 * @example
 * const target: MirrorTarget = client;
 */
export interface MirrorTarget {
  readonly status: SyncStatus;
  subscribe(cb: (status: SyncStatus) => void): () => void;
  mirror(status: MirroredStatus | null): void;
}

/**
 * What {@link mirrorStatus} returns: tell it when this tab gains or loses the loop.
 *
 * @example
 * const mirror = mirrorStatus(client, store);
 * mirror.follow();
 */
export interface StatusMirror {
  /** This tab now runs the loop: show its own status and publish it. */
  lead(): void;
  /** This tab follows: show the leader's status (asked for now, then as it changes). */
  follow(): void;
  /** Stops publishing and mirroring; the client shows its own status again. */
  close(): void;
}

function pick(s: MirroredStatus): MirroredStatus {
  return {
    connected: s.connected,
    realtime: s.realtime,
    phase: s.phase,
    progress: s.progress,
    lastSyncedAt: s.lastSyncedAt,
  };
}

function isStatusNotice(m: { type: string }): m is StatusNotice {
  const status = (m as { status?: unknown }).status;
  return m.type === 'syncline:status' && typeof status === 'object' && status !== null;
}

/**
 * Only the leader tab runs the sync loop, so only it knows `connected`, `realtime`, `phase`,
 * `progress` and `lastSyncedAt`. The leader posts them on the tabs' channel whenever they
 * change (and when a new follower asks); followers show them through `client.mirror`, so a
 * status indicator tells the truth in every tab. `online`, `pending` and `error` stay each
 * tab's own. `connectTabs` wires this; use it directly only without `connectTabs`.
 *
 * @example
 * const mirror = mirrorStatus(client, store);
 * electLeader({ lock, onLead: () => { mirror.lead(); return client.start(); }, onResign: async () => { await client.stop(); mirror.follow(); } });
 * mirror.follow();
 */
export function mirrorStatus(
  client: MirrorTarget,
  store: Pick<SharedStore, 'post' | 'onMessage'>,
): StatusMirror {
  let leading = false;
  let last: string | null = null;
  const publish = () => {
    if (!leading) return;
    const status = pick(client.status);
    const key = JSON.stringify(status);
    if (key === last) return;
    last = key;
    store.post({ type: 'syncline:status', status } satisfies StatusNotice);
  };
  const offStatus = client.subscribe(publish);
  const offMessages = store.onMessage((m) => {
    if (isStatusNotice(m)) {
      if (!leading) client.mirror(pick(m.status));
    } else if (m.type === 'syncline:status?' && leading) {
      last = null;
      publish();
    }
  });
  return {
    lead() {
      leading = true;
      client.mirror(null);
      last = null;
      publish();
    },
    follow() {
      leading = false;
      store.post({ type: 'syncline:status?' } satisfies StatusRequest);
    },
    close() {
      leading = false;
      offStatus();
      offMessages();
      client.mirror(null);
    },
  };
}
