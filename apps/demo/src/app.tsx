import { OfflineIndicator, RejectionNotices, useInitialSync, useQuery } from '@syncline/react';
import { type ReactNode, useState } from 'react';
import { InitialSyncBar } from './initial-sync-bar.tsx';
import { Lists } from './lists.tsx';
import { Members } from './members.tsx';
import { SyncPanel } from './sync-panel.tsx';
import { Tasks } from './tasks.tsx';
import { useDemoClient } from './use-demo-client.ts';

/** Props of {@link App}. */
export interface AppProps {
  userId: string;
  onSignOut(): void;
}

/** The signed-in app: lists, the selected list's tasks and members, notices and the sync panel. */
export function App({ userId, onSignOut }: AppProps): ReactNode {
  const client = useDemoClient();
  const [chosen, setChosen] = useState<string | null>(null);
  const { data: lists } = useQuery(client.db.lists, { orderBy: [['name', 'asc']] });
  const { inProgress } = useInitialSync();
  const selected = lists?.find((l) => l.id === chosen) ?? lists?.[0] ?? null;

  return (
    <div className="app">
      <header>
        <h1>Syncline tasks</h1>
        <span>
          Signed in as <strong data-testid="user">{userId}</strong>{' '}
          <button type="button" onClick={onSignOut}>
            Sign out
          </button>
        </span>
      </header>
      <OfflineIndicator className="offline-banner" />
      <InitialSyncBar />
      <div className="notices">
        <RejectionNotices currentUserId={userId} className="rejection" />
      </div>
      <div className="columns">
        <Lists userId={userId} selected={selected?.id ?? null} onSelect={setChosen} />
        <main>
          {selected ? (
            <>
              <h2>{selected.name}</h2>
              <Members listId={selected.id} userId={userId} />
              {/* Re-reading a growing list after every downloaded page would slow the download down. */}
              {inProgress ? (
                <p>The tasks appear once the download is complete.</p>
              ) : (
                <Tasks listId={selected.id} />
              )}
            </>
          ) : (
            <p>{inProgress ? 'Your lists are being downloaded…' : 'No list yet: add one on the left.'}</p>
          )}
        </main>
        <SyncPanel />
      </div>
    </div>
  );
}
