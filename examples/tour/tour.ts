// examples/tour/tour.ts: what an app does with its client: write, query, watch, show status.
import type { SynclineClient, SyncStatus } from '@syncline/client';
import type { schema } from './schema.ts';

/** How the app shows things; a UI would render instead of logging. */
export interface View {
  render(titles: string[]): void;
  toast(message: string): void;
  showStatus(status: SyncStatus): void;
}

export async function tour(client: SynclineClient<typeof schema>, userId: string, view: View) {
  await client.ready();
  client.on('rejected', (r) => view.toast(r.message)); // e.g. someone else changed it first
  client.on('error', (e) => view.toast(e.message)); // once per kind of trouble, not per retry
  // Show `connected` (the last request reached the server): `online` stays true in Node.
  client.subscribe((status) => view.showStatus(status));
  await client.start(); // background sync: push, then pull; after writes, on reconnect, on a timer

  // Each write returns once committed locally, and syncs in the background.
  const list = await client.db.lists.insert({ name: 'Groceries', ownerId: userId });
  const task = await client.db.tasks.insert({ listId: list.id, title: 'Milk' });
  await client.db.tasks.update(task.id, { done: true });
  await client.db.tasks.insert({ listId: list.id, title: 'Bread' });

  const open = await client.db.tasks.find({
    where: { listId: list.id, done: false },
    orderBy: [['title', 'asc']],
  });
  const stop = client.db.tasks.watch({ where: { listId: list.id } }, (rows) =>
    view.render(rows.map((row) => row.title)),
  );
  return { list, task, open, stop };
}
