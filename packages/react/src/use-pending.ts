import { useEffect, useState } from 'react';
import { useSynclineClient } from './provider.tsx';

/**
 * Whether the record `id` has local changes the server has not answered yet (for a "not synced"
 * badge). Re-checked on every status change of the client: a local write, an answered push and
 * every phase of a sync cycle each emit one. `false` until the first check answers.
 *
 * @example
 * function TaskRow({ task }: { task: Task }) {
 *   const pending = usePending(task.id, 'tasks');
 *   return <li className={pending ? 'pending' : undefined}>{task.title}</li>;
 * }
 */
export function usePending(id: string, collection?: string): boolean {
  const client = useSynclineClient();
  const [state, setState] = useState<{ id: string; collection: string | undefined; pending: boolean }>({
    id,
    collection,
    pending: false,
  });
  useEffect(() => {
    let alive = true;
    let asked = 0;
    const check = () => {
      // Only the latest answer counts: checks may resolve out of order.
      const n = ++asked;
      client.isPending(id, collection).then(
        (pending) => {
          if (!alive || n !== asked) return;
          setState((s) =>
            s.pending === pending && s.id === id && s.collection === collection
              ? s
              : { id, collection, pending },
          );
        },
        () => undefined, // the client reports store failures on its `error` event
      );
    };
    check();
    const stop = client.subscribe(check);
    return () => {
      alive = false;
      stop();
    };
  }, [client, id, collection]);
  return state.id === id && state.collection === collection ? state.pending : false;
}
