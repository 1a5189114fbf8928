import type { ClientRejection } from '@syncline/client';
import { useCallback, useEffect, useMemo, useState } from 'react';
import { useSynclineClient } from './provider.tsx';

/** What {@link useRejections} returns. */
export interface Rejections {
  /** Stored rejections not yet dismissed, oldest first; empty until loaded. */
  rejections: ClientRejection[];
  /** Forgets one (the user has read it). */
  dismiss(key: string): Promise<void>;
  /**
   * Re-applies the rejected change on top of the current version (only for `conflict` with a
   * current record; otherwise it rejects with an explanation) and forgets the rejection.
   */
  reapply(key: string): Promise<void>;
  /** The last failure of loading, dismissing or re-applying, or null. */
  error: unknown;
}

/**
 * The changes the server refused, kept on the device until dismissed, so a refusal seen by a
 * background task or another tab still reaches the user. Updates when a new one arrives.
 *
 * @example
 * function Refusals() {
 *   const { rejections, dismiss, reapply } = useRejections();
 *   return rejections.map((r) => (
 *     <div key={r.key} role="alert">
 *       {r.message}
 *       {r.code === 'conflict' && r.current && <button onClick={() => reapply(r.key)}>Re-apply mine</button>}
 *       <button onClick={() => dismiss(r.key)}>Dismiss</button>
 *     </div>
 *   ));
 * }
 */
export function useRejections(): Rejections {
  const client = useSynclineClient();
  const [rejections, setRejections] = useState<ClientRejection[]>([]);
  const [error, setError] = useState<unknown>(null);
  const [version, setVersion] = useState(0);
  const reload = useCallback(() => setVersion((v) => v + 1), []);

  useEffect(() => client.on('rejected', reload), [client, reload]);
  // biome-ignore lint/correctness/useExhaustiveDependencies: `version` is the reload trigger
  useEffect(() => {
    let alive = true;
    client.rejections().then(
      (list) => {
        if (alive) setRejections((old) => (sameKeys(old, list) ? old : list));
      },
      (e: unknown) => {
        if (alive) setError(e);
      },
    );
    return () => {
      alive = false;
    };
  }, [client, version]);

  const act = useCallback(
    async (fn: () => Promise<unknown>) => {
      try {
        await fn();
        setError(null);
      } catch (e) {
        setError(e);
        throw e;
      } finally {
        reload();
      }
    },
    [reload],
  );
  const dismiss = useCallback((key: string) => act(() => client.dismiss(key)), [act, client]);
  const reapply = useCallback((key: string) => act(() => client.reapply(key)), [act, client]);
  return useMemo(() => ({ rejections, dismiss, reapply, error }), [rejections, dismiss, reapply, error]);
}

/** Stored rejections never change in place: the same keys are the same list. */
function sameKeys(a: ClientRejection[], b: ClientRejection[]): boolean {
  return a.length === b.length && a.every((r, i) => r.key === b[i]?.key);
}
