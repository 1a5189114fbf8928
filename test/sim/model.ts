/**
 * What the harness knows independently of the engine: every local write it started (token,
 * fields, whether the call returned) and the read-your-writes violations it saw along the way.
 */
import type { SimCollection } from './schema.ts';

export interface LocalWrite {
  slot: string;
  /** Position in the slot's write order (never reused, also across restarts). */
  n: number;
  collection: SimCollection;
  id: string;
  op: 'insert' | 'update' | 'delete';
  /** `tok` for inserts/updates (unique per write); null for deletes. */
  tok: string | null;
  /** The fields written (values derive from tok), without tok itself. */
  values: Record<string, string>;
  /** The call returned: the write is acknowledged to the user and must never be lost. */
  acked: boolean;
  /** Committed locally: acked, or the crash came after the local commit (`write:after-commit`). */
  committed: boolean;
}

export interface Model {
  writes: LocalWrite[];
  /** Read-your-writes and pending-visibility violations, as messages. */
  ryw: string[];
}

export const newModel = (): Model => ({ writes: [], ryw: [] });

/** Whether the visible row shows the write (a deleted write shows as no row). */
export function showsWrite(row: Record<string, unknown> | null, w: LocalWrite): boolean {
  if (w.op === 'delete') return row === null;
  if (row === null) return false;
  if (row.tok !== w.tok) return false;
  return Object.entries(w.values).every(([k, v]) => row[k] === v);
}
