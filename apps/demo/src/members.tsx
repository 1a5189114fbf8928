import { useQuery, useRecord } from '@syncline/react';
import { type FormEvent, type ReactNode, useState } from 'react';
import { useDemoClient } from './use-demo-client.ts';

/** Props of {@link Members}. */
export interface MembersProps {
  listId: string;
  userId: string;
}

/** Who a list is shared with; its owner adds and removes members (the server's rules agree). */
export function Members({ listId, userId }: MembersProps): ReactNode {
  const client = useDemoClient();
  const { data: list } = useRecord(client.db.lists, listId);
  const { data: members } = useQuery(client.db.members, { where: { listId }, orderBy: [['userId', 'asc']] });
  const [name, setName] = useState('');
  const owner = list?.ownerId === userId;

  async function share(event: FormEvent) {
    event.preventDefault();
    const member = name.trim();
    if (member === '' || members?.some((m) => m.userId === member)) return;
    await client.db.members.insert({ listId, userId: member });
    setName('');
  }

  return (
    <section className="members" aria-label="Shared with">
      <p>
        Owner: <strong>{list?.ownerId ?? '…'}</strong>. Shared with:{' '}
        {members?.length ? members.map((m) => m.userId).join(', ') : 'nobody yet'}
      </p>
      {owner && (
        <form onSubmit={(e) => void share(e)}>
          <input
            value={name}
            onChange={(e) => setName(e.target.value)}
            aria-label="Share with (user name)"
            placeholder="Share with… (a name)"
          />{' '}
          <button type="submit">Share</button>
        </form>
      )}
    </section>
  );
}
