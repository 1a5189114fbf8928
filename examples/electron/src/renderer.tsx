// examples/electron/src/renderer.tsx: a window. The same hooks as a web app, on the main
// process's client through the preload bridge; no database and no sync loop in the window.
import { createRendererClient } from '@syncline/electron/renderer';
import { OfflineIndicator, SynclineProvider, useQuery, useSyncStatus } from '@syncline/react';
import { type FormEvent, StrictMode, useState } from 'react';
import { createRoot } from 'react-dom/client';
import { schema } from './schema.ts';

const client = createRendererClient({ schema });
/** The user main signs in as (src/main.ts). */
const USER = 'alice';

function TaskList() {
  const lists = useQuery(client.db.lists, { where: { ownerId: USER }, orderBy: [['name', 'asc']] });
  const list = lists.data?.[0];
  const tasks = useQuery(client.db.tasks, { where: { listId: list?.id ?? '' }, orderBy: [['title', 'asc']] });
  const { pending, connected } = useSyncStatus();
  const [title, setTitle] = useState('');

  const add = async (e: FormEvent) => {
    e.preventDefault();
    const listId = list?.id ?? (await client.db.lists.insert({ name: 'Desktop', ownerId: USER })).id;
    if (title.trim()) await client.db.tasks.insert({ listId, title: title.trim() });
    setTitle('');
  };

  return (
    <main>
      <OfflineIndicator />
      <p>
        {connected ? 'Connected' : 'Not connected'} · {pending} to sync
      </p>
      <form onSubmit={add}>
        <input value={title} onChange={(e) => setTitle(e.target.value)} placeholder="New task" />
        <button type="submit">Add</button>
      </form>
      <ul>
        {tasks.data?.map((task) => (
          <li key={task.id}>
            <label>
              <input
                type="checkbox"
                checked={task.done}
                onChange={() => void client.db.tasks.update(task.id, { done: !task.done })}
              />
              {task.title}
            </label>
          </li>
        ))}
      </ul>
    </main>
  );
}

createRoot(document.getElementById('root')!).render(
  <StrictMode>
    <SynclineProvider client={client}>
      <TaskList />
    </SynclineProvider>
  </StrictMode>,
);
