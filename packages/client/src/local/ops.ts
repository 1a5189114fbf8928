import { type CollectionDef, DEFAULT_LIMITS, SynclineError, type WireRecord } from '@syncline/core';
import { type Issue, type LocalOp, validateId, validateInsert, validatePatch } from '@syncline/core/internal';
import type { LocalRow, LocalWriteTx } from '../local-store.ts';
import { settleRecord } from './record.ts';

/**
 * The largest record a device accepts: the server's default mutation limit (256 KiB, measured on
 * the whole mutation) less room for the mutation's envelope (seq, collection, op, baseVersion),
 * so a record saved on the device is never refused by the server for its size.
 */
export const MAX_RECORD_BYTES = DEFAULT_LIMITS.maxMutationBytes - 512;
const encoder = new TextEncoder();

export function invalid(what: string, issues: Issue[]): SynclineError {
  const list = issues.map((i) => `${i.path} ${i.message}`).join('; ');
  return new SynclineError('invalid', `${what} is not valid: ${list}`, { details: issues });
}

export function checkSize(collection: string, row: unknown): void {
  const json = JSON.stringify(row);
  // A UTF-16 code unit is at most 3 UTF-8 bytes: most records need no encoding to be measured.
  if (json.length * 3 <= MAX_RECORD_BYTES) return;
  const bytes = encoder.encode(json).length;
  if (bytes > MAX_RECORD_BYTES) {
    throw invalid(`The record for "${collection}"`, [
      { path: 'record', message: `is ${bytes} bytes of JSON; the limit is ${MAX_RECORD_BYTES}.` },
    ]);
  }
}

/** The error of an update or delete of a record not on the device. */
export function notFound(col: CollectionDef, id: string): SynclineError {
  return new SynclineError(
    'not_found',
    `There is no ${col.name} record "${id}" on this device (it may have been deleted).`,
  );
}

/**
 * An id the server would refuse (empty, longer than 128, U+0000, a lone surrogate) is refused at
 * write time, before anything is stored: such a record could never sync.
 */
export function checkId(id: unknown): asserts id is string {
  const idProblem = validateId(id);
  if (idProblem) throw invalid('The id', [{ path: 'id', message: idProblem }]);
}

/**
 * The local write steps, each run inside the caller's write tx: validate, add the outbox entry,
 * settle the record (its visible row is the pending ops folded over the base).
 */
export const localOps = {
  async insert(
    tx: LocalWriteTx,
    col: CollectionDef,
    data: Record<string, unknown>,
    newId: () => string,
    now: number,
  ): Promise<LocalRow> {
    const { id: given, ...columns } = data;
    const id = given === undefined ? newId() : given;
    checkId(id);
    const v = validateInsert(col, columns);
    if (!v.ok) throw invalid(`The new record for "${col.name}"`, v.issues);
    checkSize(col.name, { id, ...v.value });
    const rec = await tx.getRecord(col.name, id as string);
    if (rec && (rec.row !== null || rec.pending > 0)) {
      throw new SynclineError(
        'conflict',
        `A ${col.name} record with id "${String(id)}" already exists on this device.`,
      );
    }
    return addOp(tx, col.name, id as string, { op: 'insert', data: v.value }, rec?.base ?? null, now);
  },

  async update(
    tx: LocalWriteTx,
    col: CollectionDef,
    id: string,
    patch: Record<string, unknown>,
    now: number,
  ): Promise<LocalRow> {
    checkId(id);
    const v = validatePatch(col, patch);
    if (!v.ok) throw invalid(`The change to record "${id}" of "${col.name}"`, v.issues);
    const rec = await tx.getRecord(col.name, id);
    if (!rec?.row) throw notFound(col, id);
    checkSize(col.name, { ...rec.row, ...v.value });
    // version 0 = built on an unacknowledged insert; the acknowledgement fills the baseVersion in.
    const baseVersion = rec.row.version === 0 ? null : rec.row.version;
    return addOp(tx, col.name, id, { op: 'update', patch: v.value, baseVersion }, rec.base, now);
  },

  async delete(tx: LocalWriteTx, col: CollectionDef, id: string, now: number): Promise<void> {
    checkId(id);
    const rec = await tx.getRecord(col.name, id);
    if (!rec?.row) throw notFound(col, id);
    const baseVersion = rec.row.version === 0 ? null : rec.row.version;
    await addOp(tx, col.name, id, { op: 'delete', baseVersion }, rec.base, now);
  },
};

async function addOp(
  tx: LocalWriteTx,
  collection: string,
  id: string,
  op: LocalOp,
  base: WireRecord | null,
  now: number,
): Promise<LocalRow> {
  await tx.addOutbox({ collection, id, op, seq: null, clientId: null, createdAt: now });
  const rec = await settleRecord(tx, collection, id, base);
  // A pending op always leaves a record; after an insert or update its row is visible.
  return rec?.row as LocalRow;
}
