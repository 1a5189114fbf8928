import { useEffect, useState } from 'react';
import { useSynclineClient } from './provider.tsx';

/**
 * Whether the record `id` has local changes the server has not answered yet (for a "not synced"
 * badge). Re-checked when the client's outbox size or sync phase changes: a local write, an
 * answered push and every phase of a sync cycle each change one. `false` until the first check
 * answers. Each badge asks the client on its own (one local read per change).
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
    // Only changes that can move a record in or out of the outbox: the outbox size (a local write,
    // an answer) and the cycle's phase (each answered push round ends in a phase change). Not the
    // progress of every pull page, nor `connected` or `lastSyncedAt`.
    let seen = { pending: client.status.pending, phase: client.status.phase };
    const stop = client.subscribe((s) => {
      if (s.pending === seen.pending && s.phase === seen.phase) return;
      seen = { pending: s.pending, phase: s.phase };
      check();
    });
    return () => {
      alive = false;
      stop();
    };
  }, [client, id, collection]);
  return state.id === id && state.collection === collection ? state.pending : false;
}
