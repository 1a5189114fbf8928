import type { FindQuery } from '@syncline/client';
import type { LiveCollection } from './client-like.ts';

/**
 * The state of a live query, TanStack Query's shape: `data` is undefined until the first result.
 * The object is replaced only when the result changes, so it can be compared by identity.
 */
export interface QueryResult<T> {
  data: T | undefined;
  /** True until the first result (or error) arrives. */
  isLoading: boolean;
  /** The last run's failure (an unknown column, a closed store), or null. */
  error: unknown;
}

/** A `useSyncExternalStore` source over one `watch`: started by the first subscriber, stopped by the last. */
export interface LiveQuery<T> {
  subscribe(onChange: () => void): () => void;
  getSnapshot(): QueryResult<T>;
}

const LOADING: QueryResult<never> = Object.freeze({ data: undefined, isLoading: true, error: null });

/**
 * Wraps `collection.watch(query)` for React. Results travel as `select(rows)`; a result equal to
 * the last one (by JSON, as the engine compares) keeps the previous snapshot object, so a
 * re-subscription (React StrictMode, a remount) re-renders nothing.
 *
 * @example
 * const live = liveQuery(client.db.tasks, { where: { done: false } }, (rows) => rows);
 * const stop = live.subscribe(() => render(live.getSnapshot().data));
 */
export function liveQuery<R, T>(
  collection: LiveCollection<R>,
  query: FindQuery<R>,
  select: (rows: R[]) => T,
): LiveQuery<T> {
  let snapshot: QueryResult<T> = LOADING;
  let lastKey: string | undefined;
  const listeners = new Set<() => void>();
  let stop: (() => void) | null = null;
  const publish = (next: QueryResult<T>) => {
    snapshot = next;
    for (const l of [...listeners]) l();
  };
  const start = () => {
    stop = collection.watch(
      query,
      (rows) => {
        const key = JSON.stringify(rows);
        if (key === lastKey && !snapshot.isLoading && snapshot.error === null) return;
        lastKey = key;
        publish({ data: select(rows), isLoading: false, error: null });
      },
      (error) => {
        lastKey = undefined;
        publish({ data: snapshot.data, isLoading: false, error });
      },
    );
  };
  return {
    subscribe(onChange) {
      listeners.add(onChange);
      if (stop === null) start();
      return () => {
        listeners.delete(onChange);
        if (listeners.size === 0 && stop !== null) {
          const s = stop;
          stop = null;
          s();
        }
      };
    },
    getSnapshot: () => snapshot,
  };
}
