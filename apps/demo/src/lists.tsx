import { PendingBadge, useQuery } from '@syncline/react';
import { type FormEvent, type ReactNode, useState } from 'react';
import { useDemoClient } from './use-demo-client.ts';

/** Props of {@link Lists}. */
export interface ListsProps {
  userId: string;
  selected: string | null;
  onSelect(listId: string): void;
}

/** The lists the user owns or was given through a membership, and a form for a new one. */
export function Lists({ userId, selected, onSelect }: ListsProps): ReactNode {
  const client = useDemoClient();
  const { data: lists, isLoading } = useQuery(client.db.lists, { orderBy: [['name', 'asc']] });
  const [name, setName] = useState('');

  async function create(event: FormEvent) {
    event.preventDefault();
    if (name.trim() === '') return;
    const list = await client.db.lists.insert({ name: name.trim(), ownerId: userId });
    setName('');
    onSelect(list.id);
  }

  return (
    <nav className="lists" aria-label="Lists">
      <h2>Lists</h2>
      {isLoading && <p>Loading…</p>}
      <ul>
        {lists?.map((list) => (
          <li key={list.id}>
            <button
              type="button"
              aria-current={list.id === selected ? 'true' : undefined}
              onClick={() => onSelect(list.id)}
            >
              {list.name}
              {list.ownerId !== userId && <span className="owner"> · {list.ownerId}'s</span>}
            </button>{' '}
            <PendingBadge id={list.id} collection="lists" className="badge" />
          </li>
        ))}
      </ul>
      <form onSubmit={(e) => void create(e)}>
        <input
          value={name}
          onChange={(e) => setName(e.target.value)}
          aria-label="New list name"
          placeholder="New list"
        />{' '}
        <button type="submit">Add list</button>
      </form>
    </nav>
  );
}
