// examples/react/app.tsx: the tour's tasks in React: live queries, the offline banner, pending
// badges and conflict notices, on the client of examples/tour/client.ts or examples/browser/app.ts.
import type { SynclineClient } from '@syncline/client';
import {
  OfflineIndicator,
  PendingBadge,
  RejectionNotices,
  SynclineProvider,
  useInitialSync,
  useQuery,
} from '@syncline/react';
import type { schema } from '../tour/schema.ts';

type Client = SynclineClient<typeof schema>;
const names: Record<string, string> = { alice: 'Alice', bob: 'Bob' };

export function App({ client, me, listId }: { client: Client; me: string; listId: string }) {
  return (
    <SynclineProvider client={client}>
      {/* role="status": "You are offline. Your changes have been saved and will be synced when you're back online." */}
      <OfflineIndicator />
      {/* what happened, who changed it, both versions, "Re-apply mine" */}
      <RejectionNotices currentUserId={me} userName={(id) => names[id] ?? id} />
      <Tasks client={client} listId={listId} />
    </SynclineProvider>
  );
}

function Tasks({ client, listId }: { client: Client; listId: string }) {
  const { inProgress, progress } = useInitialSync(); // 0..1 from the pull's `remaining`
  const { data, isLoading, error } = useQuery(client.db.tasks, {
    where: { listId },
    orderBy: [['title', 'asc']],
  });
  if (inProgress) return <progress value={progress} max={1} />;
  if (isLoading || error) return null;
  return (
    <ul>
      {data?.map((task) => (
        <li key={task.id}>
          {task.title} <PendingBadge id={task.id} collection="tasks" />
        </li>
      ))}
    </ul>
  );
}
