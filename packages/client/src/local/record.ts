/**
 * The local record: a server base plus the pending ops over it, and the visible row they make.
 * `settleRecord` is the one place a record is rewritten from its base and outbox entries: push
 * (`../sync/push-*.ts`), pull and revoke go through it. A local write (`ops.ts`, `batch.ts`)
 * adds one op to a settled record and computes the result directly (`afterOp`, decision 0027).
 */
import type { WireRecord } from '@syncline/core';
import { applyOp, type LocalOp } from '@syncline/core/internal';
import type { LocalRecord, LocalRow, LocalWriteTx } from '../local-store.ts';

/** The visible form of a server record: null for a tombstone. */
export function rowFromBase(base: WireRecord | null): LocalRow | null {
  if (base === null || base.deletedAt !== null) return null;
  return { ...base, updatedAt: base.updatedAt ?? null, updatedBy: base.updatedBy ?? null } as LocalRow;
}

/**
 * The visible row: the pending ops (oldest first) folded over the server base with core `applyOp`.
 * An update over a missing or deleted base stays not visible; an insert makes the row visible
 * with `version: 0` until acknowledged.
 *
 * @example
 * rebase({ id: 'a', version: 3, deletedAt: null, title: 'x' }, [{ op: 'update', patch: { title: 'y' }, baseVersion: 3 }], 'a');
 * // → { id: 'a', version: 3, deletedAt: null, updatedAt: null, updatedBy: null, title: 'y' }
 */
export function rebase(base: WireRecord | null, ops: readonly LocalOp[], id: string): LocalRow | null {
  let row = rowFromBase(base);
  for (const op of ops) row = applyOp<LocalRow>(row, op, id);
  return row;
}

/** Whether `incoming` should replace `base`: only a strictly newer version does (ARCHITECTURE.md §11). */
export function isNewer(incoming: WireRecord, base: WireRecord | null): boolean {
  return base === null || incoming.version > base.version;
}

/**
 * Rewrites one record from its base and its outbox entries, inside a write tx. Invariants kept:
 * `pending` equals the number of outbox entries of the record; `row` is `rebase(base, ops)`;
 * a record with no pending entries and no live base is removed (tombstones are not kept).
 */
export async function settleRecord(
  tx: LocalWriteTx,
  collection: string,
  id: string,
  base: WireRecord | null,
  opts: { marked?: boolean } = {},
): Promise<LocalRecord | null> {
  const entries = await tx.outbox({ collection, id });
  const row = rebase(
    base,
    entries.map((e) => e.op),
    id,
  );
  if (entries.length === 0 && row === null) {
    await tx.deleteRecord(collection, id);
    return null;
  }
  const marked = opts.marked ?? (await tx.getRecord(collection, id))?.marked ?? false;
  const record: LocalRecord = { id, base, row, pending: entries.length, marked };
  await tx.putRecord(collection, record);
  return record;
}
