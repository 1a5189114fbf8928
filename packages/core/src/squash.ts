/**
 * Local mutations of one record and how consecutive ones fold into the single mutation a push
 * sends for that record (ARCHITECTURE.md §4.2: one mutation per record per batch).
 */
export type LocalOp =
  | { op: 'insert'; data: Record<string, unknown> }
  | { op: 'update'; patch: Record<string, unknown>; baseVersion: number | null }
  | { op: 'delete'; baseVersion: number | null };

/**
 * Folds `ops` (oldest first) into one op, or `null` when they cancel out (insert … delete).
 * insert+update → insert; update+update → update with the merged patch and the first baseVersion;
 * update…delete → delete with the first baseVersion.
 *
 * @example
 * squash([{ op: 'insert', data: { a: 1 } }, { op: 'update', patch: { a: 2 }, baseVersion: null }]);
 * // → { op: 'insert', data: { a: 2 } }
 */
export function squash(ops: readonly LocalOp[]): LocalOp | null {
  let acc: LocalOp | null = null;
  for (const next of ops) acc = fold(acc, next);
  return acc;
}

function fold(acc: LocalOp | null, next: LocalOp): LocalOp | null {
  if (acc === null) return next;
  if (next.op === 'insert') {
    // Callers never insert over a live local record; an insert after insert…delete is a fresh record.
    throw new Error(`cannot squash insert after ${acc.op}`);
  }
  switch (acc.op) {
    case 'insert':
      return next.op === 'update' ? { op: 'insert', data: { ...acc.data, ...next.patch } } : null;
    case 'update':
      return next.op === 'update'
        ? { op: 'update', patch: { ...acc.patch, ...next.patch }, baseVersion: acc.baseVersion }
        : { op: 'delete', baseVersion: acc.baseVersion };
    case 'delete':
      throw new Error(`cannot squash ${next.op} after delete`);
  }
}

/** Applies one op to a visible row (`null` = absent). Returns the new visible row or `null`. */
export function applyOp<R extends Record<string, unknown>>(row: R | null, op: LocalOp, id: string): R | null {
  switch (op.op) {
    case 'insert':
      return {
        id,
        version: 0,
        updatedAt: null,
        updatedBy: null,
        deletedAt: null,
        ...op.data,
      } as unknown as R;
    case 'update':
      return row === null ? null : ({ ...row, ...op.patch } as R);
    case 'delete':
      return null;
  }
}
