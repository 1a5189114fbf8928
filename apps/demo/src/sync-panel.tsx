import { useSyncStatus } from '@syncline/react';
import type { ReactNode } from 'react';
import { useStoredRejections } from './use-stored-rejections.ts';

function when(ms: number | null): string {
  return ms === null ? 'never' : new Date(ms).toLocaleTimeString();
}

/**
 * Makes the engine visible: the network and the server connection, the realtime socket, what
 * the engine is doing, how many changes wait in the outbox, the last sync and stored rejections.
 */
export function SyncPanel(): ReactNode {
  const status = useSyncStatus();
  const rejections = useStoredRejections();
  return (
    <aside className="sync-panel" aria-label="Sync status">
      <h2>Sync</h2>
      <dl>
        <dt>Network</dt>
        <dd data-testid="sync-online">{status.online ? 'online' : 'offline'}</dd>
        <dt>Server</dt>
        <dd data-testid="sync-connected">{status.connected ? 'connected' : 'not connected'}</dd>
        <dt>Realtime</dt>
        <dd data-testid="sync-realtime">{status.realtime ? 'socket open' : 'closed'}</dd>
        <dt>Doing</dt>
        <dd data-testid="sync-phase">{status.phase}</dd>
        <dt>Outbox</dt>
        <dd data-testid="sync-pending">{status.pending}</dd>
        <dt>Last sync</dt>
        <dd data-testid="sync-last">{when(status.lastSyncedAt)}</dd>
        <dt>Rejections</dt>
        <dd data-testid="sync-rejections">{rejections}</dd>
      </dl>
      {status.error !== null && <p className="sync-error">{status.error.message}</p>}
    </aside>
  );
}
