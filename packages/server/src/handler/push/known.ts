/**
 * The prefetch of a push: when the store offers `getRecords` (both SQL stores), the records the batch
 * touches are locked and read with one statement per collection, and a view answers `getRecord`
 * from that copy while it is certain to be current.
 */
import type { Mutation } from '@syncline/core';
import { getCollection, validateId } from '@syncline/core/internal';
import type { StoredRecord, WriteTx } from '../../stores/types.ts';
import type { HandlerContext } from '../context.ts';
import { txView } from './view.ts';

/** Records known to be current: collection → id → record (null: known absent). */
export type Known = Map<string, Map<string, StoredRecord | null>>;

/** Locks and reads the records of a batch of two or more mutations (empty without `getRecords`). */
export async function prefetch(ctx: HandlerContext, tx: WriteTx, fresh: readonly Mutation[]): Promise<Known> {
  const known: Known = new Map();
  if (!tx.getRecords || fresh.length < 2) return known;
  const ids = new Map<string, string[]>();
  for (const m of fresh) {
    const col = getCollection(ctx.schema, m.collection);
    // A malformed id is rejected by its own mutation; it must not fail the batch's shared read.
    if (!col || validateId(m.id) !== null) continue;
    const list = ids.get(col.name) ?? [];
    list.push(m.id);
    ids.set(col.name, list);
  }
  for (const [name, list] of ids) {
    const found = await tx.getRecords(name, list);
    known.set(name, new Map(list.map((id) => [id, found.get(id) ?? null])));
  }
  return known;
}

/** A copy a pass may forget from without touching the prefetched original. */
export function copyKnown(known: Known): Known {
  return new Map([...known].map(([name, rows]) => [name, new Map(rows)]));
}

/**
 * `tx` with `getRecord` answered from `known` while that is certain to be current: a record is
 * forgotten when this transaction writes it, and everything is forgotten when raw SQL runs.
 * Rolled-back savepoints need no care: whatever they wrote was forgotten when it was written.
 */
export function knownView(tx: WriteTx, known: Known): WriteTx {
  const forget = (name: string, id: string) => known.get(name)?.delete(id);
  return txView(tx, {
    all: <R>(sql: string, params?: readonly unknown[]) => {
      known.clear();
      return tx.all<R>(sql, params);
    },
    getRecord: async (name, id) => {
      const rows = known.get(name);
      if (rows?.has(id)) return rows.get(id) ?? null;
      return tx.getRecord(name, id);
    },
    insertRecord: (name, id, data) => {
      forget(name, id);
      return tx.insertRecord(name, id, data);
    },
    updateRecord: (name, id, patch) => {
      forget(name, id);
      return tx.updateRecord(name, id, patch);
    },
    softDelete: (name, id) => {
      forget(name, id);
      return tx.softDelete(name, id);
    },
  });
}
