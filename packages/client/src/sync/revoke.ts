import type { RevokedKeys } from '@syncline/core';
import { getCollection } from '@syncline/core/internal';
import { settleRecord } from '../local/record.ts';
import type { LocalRow, LocalWriteTx, StoredRejection } from '../local-store.ts';
import { META, type SyncContext } from './context.ts';
import { rejectionMessage } from './rejections.ts';

/**
 * Removes the rows of keys the caller lost (protocol 2, decision 0012), inside the pull page's
 * write tx and after its changes: every visible row whose scope column holds a revoked key and
 * none of whose scope columns holds a kept key. Its unsent edits are dropped with one stored
 * `forbidden` rejection saying that access was removed. A record whose visible row left the key
 * locally (a pending move) stays: its push is refused, and a refusal without `current` removes it.
 * Returns how many records went.
 *
 * @example
 * await revokeRows(ctx, tx, 'tasks', { keys: { listId: ['l1'] }, kept: {} });
 */
export async function revokeRows(
  ctx: SyncContext,
  tx: LocalWriteTx,
  collection: string,
  revoked: RevokedKeys,
): Promise<number> {
  const col = getCollection(ctx.schema, collection);
  if (!col) return 0;
  const known = (column: string) => column === 'id' || Object.hasOwn(col.columns, column);
  const kept = (row: LocalRow) =>
    Object.entries(revoked.kept).some(([column, keys]) => {
      const v = row[column];
      return v !== null && v !== undefined && keys.includes(String(v));
    });
  const gone = new Map<string, LocalRow>();
  for (const [column, keys] of Object.entries(revoked.keys)) {
    // A column this app version does not know (the server is ahead) holds nothing locally.
    if (!known(column) || keys.length === 0) continue;
    const kind = column === 'id' ? 'text' : col.columns[column]?.kind;
    const values = kind === 'integer' || kind === 'real' ? keys.map(Number) : keys;
    for (const row of await tx.query(collection, { where: { [column]: { in: values } } })) {
      if (!kept(row)) gone.set(row.id, row);
    }
  }
  await removeRows(ctx, tx, collection, gone.keys());
  return gone.size;
}

/**
 * Removes records the caller may no longer read: the local row goes; unsent edits are dropped
 * with one stored `forbidden` rejection saying that access was removed. Entries already sent
 * stay until their answer (ARCHITECTURE.md §1.2): an applied one was made while the caller still had
 * access, a refused one stores the server's rejection; either way the answer finds no local
 * record and brings none back (push-apply.ts).
 */
export async function removeRows(
  ctx: SyncContext,
  tx: LocalWriteTx,
  collection: string,
  ids: Iterable<string>,
): Promise<void> {
  for (const id of ids) {
    const dropped = (await tx.outbox({ collection, id })).filter((e) => e.seq === null);
    if (dropped.length > 0) {
      await tx.removeOutbox(dropped.map((e) => e.key));
      const rejection: StoredRejection = {
        key: `revoked:${collection}:${id}:${dropped[0]!.key}`,
        collection,
        id,
        code: 'forbidden',
        message: rejectionMessage('forbidden', collection, false, [], 'access_removed'),
        current: null,
        dropped: dropped.map((e) => e.op),
        issues: [],
        createdAt: ctx.clock.now(),
        notified: false,
      };
      await tx.putRejection(rejection);
    }
    // Entries already sent keep an invisible record (no base, no row) until their answer: a
    // pending op always has its record, so an insert of the same id is refused meanwhile and a
    // re-assigned entry (after `seq_gap`) never meets an insert in the same squash.
    await settleRecord(tx, collection, id, null);
  }
}

/** Rows got or dropped outside the pull stream, per collection: id → version held (0: none). */
export type Checks = Map<string, Record<string, number>>;

/** Adds to the rows the next pull checks (META.check), in the caller's write tx. */
export async function addChecks(
  tx: LocalWriteTx,
  collection: string,
  ids: Record<string, number>,
): Promise<void> {
  const stored = (await tx.getMeta<Record<string, number>>(META.check(collection))) ?? {};
  await tx.setMeta(META.check(collection), { ...stored, ...ids });
}
