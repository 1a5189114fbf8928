import { PendingBadge, useQuery } from '@syncline/react';
import { type FormEvent, type ReactNode, useEffect, useRef, useState } from 'react';
import { useDemoClient } from './use-demo-client.ts';

/** Most tasks rendered at once: a list of 20,000 stays responsive. */
const SHOWN = 300;

interface Task {
  id: string;
  title: string;
  done: boolean;
}

/** One task: a done checkbox, an editable title (saved on Enter or blur) and its pending badge. */
function TaskItem({ task }: { task: Task }): ReactNode {
  const client = useDemoClient();
  const [draft, setDraft] = useState(task.title);
  /** The title when the field got focus; null while it has none. */
  const editing = useRef<string | null>(null);
  // Someone else's edit (or a rejection) changes the title under an idle input; while the user
  // types, their draft stays (it is saved, or compared, when they leave the field).
  useEffect(() => {
    if (editing.current === null) setDraft(task.title);
  }, [task.title]);

  /** Saves the draft unless it is empty or unchanged since `before` (the title at focus). */
  function save(before: string | null) {
    const title = draft.trim();
    if (title === '' || title === task.title || title === before) return setDraft(task.title);
    void client.db.tasks.update(task.id, { title });
  }

  return (
    <li data-testid="task" data-title={task.title} data-done={task.done}>
      <input
        type="checkbox"
        checked={task.done}
        aria-label={`Done: ${task.title}`}
        onChange={(e) => void client.db.tasks.update(task.id, { done: e.target.checked })}
      />{' '}
      <input
        className="title"
        value={draft}
        aria-label={`Title of ${task.title}`}
        onChange={(e) => setDraft(e.target.value)}
        onFocus={() => {
          editing.current = task.title;
        }}
        onBlur={() => {
          const before = editing.current;
          editing.current = null;
          save(before);
        }}
        onKeyDown={(e) => {
          if (e.key === 'Enter') e.currentTarget.blur();
        }}
      />{' '}
      <PendingBadge id={task.id} collection="tasks" className="badge" />
    </li>
  );
}

/** The tasks of a list, live, with a form to add one. */
export function Tasks({ listId }: { listId: string }): ReactNode {
  const client = useDemoClient();
  const { data: tasks, isLoading } = useQuery(client.db.tasks, {
    where: { listId },
    orderBy: [['title', 'asc']],
  });
  const [title, setTitle] = useState('');

  async function add(event: FormEvent) {
    event.preventDefault();
    if (title.trim() === '') return;
    await client.db.tasks.insert({ listId, title: title.trim(), done: false });
    setTitle('');
  }

  const count = tasks?.length ?? 0;
  const open = tasks?.filter((t) => !t.done).length ?? 0;
  return (
    <section className="tasks" aria-label="Tasks">
      <form onSubmit={(e) => void add(e)}>
        <input
          value={title}
          onChange={(e) => setTitle(e.target.value)}
          aria-label="New task"
          placeholder="New task"
        />{' '}
        <button type="submit">Add task</button>
      </form>
      {isLoading ? (
        <p>Loading…</p>
      ) : (
        <p data-testid="task-count">
          {count} {count === 1 ? 'task' : 'tasks'}, {open} open
          {count > SHOWN ? ` (showing the first ${SHOWN})` : ''}
        </p>
      )}
      <ul className="task-list">
        {tasks?.slice(0, SHOWN).map((task) => (
          <TaskItem key={task.id} task={task} />
        ))}
      </ul>
    </section>
  );
}
