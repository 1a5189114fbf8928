import type { FindQuery } from '@syncline/client';
import { useMemo, useSyncExternalStore } from 'react';
import type { LiveCollection } from './client-like.ts';
import { liveQuery, type QueryResult } from './live-query.ts';

const identity = <T>(rows: T): T => rows;

/**
 * A live query: the rows of `collection` matching `query`, re-read after every committed change
 * to the collection (local writes, pulls, rejections, other tabs). The component re-renders only
 * when the result changes: between unrelated changes it gets the same result object back.
 * The query is compared by value (JSON), so an inline object literal is fine.
 *
 * @example
 * function OpenTasks({ listId }: { listId: string }) {
 *   const { data, isLoading, error } = useQuery(client.db.tasks, {
 *     where: { listId, done: false },
 *     orderBy: [['title', 'asc']],
 *   });
 *   if (isLoading) return <p>Loading…</p>;
 *   if (error) return <p>Could not read the tasks.</p>;
 *   return <ul>{data?.map((t) => <li key={t.id}>{t.title}</li>)}</ul>;
 * }
 */
export function useQuery<R>(collection: LiveCollection<R>, query: FindQuery<R> = {}): QueryResult<R[]> {
  const key = JSON.stringify(query);
  // biome-ignore lint/correctness/useExhaustiveDependencies: the query is keyed by value (key), not identity
  const live = useMemo(() => liveQuery(collection, query, identity), [collection, key]);
  return useSyncExternalStore(live.subscribe, live.getSnapshot, live.getSnapshot);
}

/**
 * One record by id, live: `data` is the row, `null` when there is none (never existed, deleted,
 * or not visible to this user), `undefined` while loading.
 *
 * @example
 * function TaskTitle({ id }: { id: string }) {
 *   const { data: task } = useRecord(client.db.tasks, id);
 *   return <h2>{task === undefined ? '…' : (task?.title ?? 'This task was deleted.')}</h2>;
 * }
 */
export function useRecord<R extends { id: string }>(
  collection: LiveCollection<R>,
  id: string,
): QueryResult<R | null> {
  const live = useMemo(
    () => liveQuery(collection, { where: { id }, limit: 1 } as FindQuery<R>, (rows: R[]) => rows[0] ?? null),
    [collection, id],
  );
  return useSyncExternalStore(live.subscribe, live.getSnapshot, live.getSnapshot);
}
