import { useEffect, useState } from 'react';
import { useDemoClient } from './use-demo-client.ts';

/**
 * How many rejections the client has stored, re-read on every new rejection and whenever the
 * outbox or the sync phase changes (a re-apply writes to the outbox). `useRejections` keeps its
 * own list per component, so the panel's would miss a re-apply clicked in a notice.
 */
export function useStoredRejections(): number {
  const client = useDemoClient();
  const [count, setCount] = useState(0);
  useEffect(() => {
    let alive = true;
    let asked = 0;
    const reload = () => {
      const n = ++asked;
      void client.rejections().then(
        (list) => {
          if (alive && n === asked) setCount(list.length);
        },
        () => undefined,
      );
    };
    reload();
    let seen = { pending: client.status.pending, phase: client.status.phase };
    const stopStatus = client.subscribe((s) => {
      if (s.pending === seen.pending && s.phase === seen.phase) return;
      seen = { pending: s.pending, phase: s.phase };
      reload();
    });
    const stopRejected = client.on('rejected', reload);
    return () => {
      alive = false;
      stopStatus();
      stopRejected();
    };
  }, [client]);
  return count;
}
