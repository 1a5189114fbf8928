import { type CollectionDef, SynclineError } from '@syncline/core';
import { getCollection, type LocalOp } from '@syncline/core/internal';
import type { LocalRow } from '../local-store.ts';
import { localOps } from './ops.ts';
import { type LocalDeps, localWrite } from './write.ts';

/** The one op that re-applies the dropped ops: a delete if they ended in one, else the merged patch. */
export function mergedOp(
  dropped: readonly LocalOp[],
): { op: 'delete' } | { op: 'update'; patch: Record<string, unknown> } {
  if (dropped.at(-1)?.op === 'delete') return { op: 'delete' };
  const patch: Record<string, unknown> = {};
  for (const op of dropped) {
    if (op.op === 'insert') Object.assign(patch, op.data);
    else if (op.op === 'update') Object.assign(patch, op.patch);
  }
  return { op: 'update', patch };
}

/**
 * Re-applies a stored `conflict` rejection on top of the current state: one local update with the
 * merged patch of the dropped ops (or a delete), and the rejection removed, in ONE write tx.
 * Only for `conflict` with a live current record; otherwise a SynclineError explains why not.
 */
export async function reapply(deps: LocalDeps, key: string): Promise<LocalRow | null> {
  await deps.ready();
  const { ctx } = deps;
  const rej = (await ctx.store.read((tx) => tx.rejections())).find((r) => r.key === key);
  if (!rej) throw new SynclineError('not_found', 'This rejected change was already dismissed or re-applied.');
  if (rej.code !== 'conflict' || !rej.current || rej.current.deletedAt !== null) {
    throw new SynclineError(
      'invalid',
      rej.code === 'conflict'
        ? 'This change cannot be re-applied because the record no longer exists.'
        : `A change rejected as "${rej.code}" cannot be re-applied; correct it and make it again.`,
    );
  }
  const col = getCollection(ctx.schema, rej.collection) as CollectionDef | undefined;
  if (!col)
    throw new SynclineError('invalid', `The collection "${rej.collection}" is no longer in the schema.`);
  const op = mergedOp(rej.dropped);
  // Only columns the current schema still has; the rest cannot be re-applied.
  const patch =
    op.op === 'update'
      ? Object.fromEntries(Object.entries(op.patch).filter(([k]) => Object.hasOwn(col.columns, k)))
      : {};
  return localWrite(deps, rej.collection, async (tx) => {
    const now = ctx.clock.now();
    let row: LocalRow | null = null;
    if (op.op === 'delete') await localOps.delete(tx, col, rej.id, now);
    else row = await localOps.update(tx, col, rej.id, patch, now);
    await tx.removeRejection(key);
    await ctx.failpoint('reapply:before-commit');
    return row;
  });
}
