// examples/tour/share.ts: Alice shares a list with Bob; both add tasks; both end with the same list.
import type { SynclineClient } from '@syncline/client';
import type { schema } from './schema.ts';

type Client = SynclineClient<typeof schema>;

export async function shareList(alice: Client, bob: Client, ids: { alice: string; bob: string }) {
  const list = await alice.db.lists.insert({ name: 'Trip', ownerId: ids.alice });
  await alice.db.members.insert({ listId: list.id, userId: ids.bob }); // only the owner may add members
  await alice.db.tasks.insert({ listId: list.id, title: 'Book the train' });
  await alice.sync(); // push now and pull (the background loop would do it too)

  await bob.sync(); // Bob now reads the list, its members and its tasks
  await bob.db.tasks.insert({ listId: list.id, title: 'Pack the tent' });
  await bob.sync();
  await alice.sync();

  const titles = async (client: Client) =>
    (await client.db.tasks.find({ where: { listId: list.id }, orderBy: [['title', 'asc']] })).map(
      (task) => task.title,
    );
  return { list, alice: await titles(alice), bob: await titles(bob) };
}
