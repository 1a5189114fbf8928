import { SynclineError } from '@syncline/core';
import { describe, expect, test } from 'vitest';
import { type ClientEvents, Emitter, StatusHolder, type SyncStatus } from './status.ts';

const own: SyncStatus = {
  online: true,
  connected: false,
  realtime: false,
  phase: 'idle',
  progress: null,
  pending: 2,
  lastSyncedAt: null,
  error: null,
};

describe('StatusHolder.mirror', () => {
  test('overlays the loop fields only; own changes of them stay hidden until mirror(null); one event per real change', () => {
    const emitter = new Emitter<ClientEvents>();
    const seen: SyncStatus[] = [];
    emitter.on('status', (s) => seen.push(s));
    const holder = new StatusHolder(own, emitter);
    const remote = {
      connected: true,
      realtime: true,
      phase: 'pulling' as const,
      progress: null,
      lastSyncedAt: 7,
    };
    holder.mirror({ ...remote, pending: 99 } as typeof remote);
    expect(holder.current).toEqual({ ...own, ...remote });
    holder.mirror(remote); // the same: no event
    holder.set({ lastSyncedAt: 1 }); // hidden by the mirror: no event
    const error = new SynclineError('network', 'down');
    holder.set({ pending: 3, online: false, error });
    expect(holder.current).toMatchObject({
      pending: 3,
      online: false,
      error,
      lastSyncedAt: 7,
      realtime: true,
    });
    holder.mirror(null);
    expect(holder.current).toEqual({ ...own, pending: 3, online: false, error, lastSyncedAt: 1 });
    expect(seen).toHaveLength(3);
  });
});
