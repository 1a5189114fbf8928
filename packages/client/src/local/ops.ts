import { type CollectionDef, DEFAULT_LIMITS, SynclineError } from '@syncline/core';
import {
  applyOp,
  type Issue,
  type LocalOp,
  validateId,
  validateInsert,
  validatePatch,
} from '@syncline/core/internal';
import type { LocalRecord, LocalRow, LocalWriteTx } from '../local-store.ts';

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

/**
 * An upper bound of the UTF-8 size of the JSON of a flat object, or Infinity when it holds a
 * nested value: every UTF-16 unit of a string is at most 6 bytes of JSON (`\u0001`), a number at
 * most 24 characters. Lets `checkSize` skip the serialization for the records that are far below
 * the limit (nearly all of them).
 */
function jsonBytesBound(values: Readonly<Record<string, unknown>>): number {
  let n = 2;
  for (const key in values) {
    const v = values[key];
    n += key.length * 6 + 4;
    if (typeof v === 'string') n += v.length * 6 + 2;
    else if (typeof v === 'number' || typeof v === 'boolean' || v === null || v === undefined) n += 24;
    else return Number.POSITIVE_INFINITY;
  }
  return n;
}

/** Refuses a record whose JSON (the merge of `parts`, like `{ ...a, ...b }`) exceeds MAX_RECORD_BYTES. */
export function checkSize(
  collection: string,
  ...parts: ReadonlyArray<Readonly<Record<string, unknown>>>
): void {
  let bound = 0;
  for (const part of parts) bound += jsonBytesBound(part);
  if (bound <= MAX_RECORD_BYTES) return;
  const json = JSON.stringify(Object.assign({}, ...parts));
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

/** The columns of an insert: `data` without its `id` (copied only when it has one). */
export function withoutId(data: Record<string, unknown>): Record<string, unknown> {
  if (!Object.hasOwn(data, 'id')) return data;
  const { id: _, ...columns } = data;
  return columns;
}

/**
 * A record after one more local op: the op applied to its visible row, one more pending entry.
 * This is what `settleRecord` computes from the base and the outbox (the visible row is the
 * pending ops folded over the base), without reading the record's outbox back (decision 0024).
 */
export function afterOp(rec: LocalRecord | null, id: string, op: LocalOp): LocalRecord {
  return {
    id,
    base: rec?.base ?? null,
    row: applyOp<LocalRow>(rec?.row ?? null, op, id),
    pending: (rec?.pending ?? 0) + 1,
    marked: rec?.marked ?? false,
  };
}

/** The conflict of an insert over a record already on the device (visible, or with pending ops). */
export function checkFree(col: CollectionDef, id: string, rec: LocalRecord | null): void {
  if (rec && (rec.row !== null || rec.pending > 0))
    throw new SynclineError(
      'conflict',
      `A ${col.name} record with id "${id}" already exists on this device.`,
    );
}

/**
 * The local write steps, each run inside the caller's write tx: validate, read the record once,
 * add the outbox entry, store the record with the op applied.
 */
export const localOps = {
  async insert(
    tx: LocalWriteTx,
    col: CollectionDef,
    data: Record<string, unknown>,
    newId: () => string,
    now: number,
  ): Promise<LocalRow> {
    const given = data?.id;
    const id = given === undefined ? newId() : given;
    checkId(id);
    const v = validateInsert(col, data === null || typeof data !== 'object' ? data : withoutId(data));
    if (!v.ok) throw invalid(`The new record for "${col.name}"`, v.issues);
    checkSize(col.name, { id }, v.value);
    const rec = await tx.getRecord(col.name, id);
    checkFree(col, id, rec);
    return addOp(tx, col.name, id, rec, { op: 'insert', data: v.value }, now);
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
    checkSize(col.name, rec.row, v.value);
    return addOp(
      tx,
      col.name,
      id,
      rec,
      { op: 'update', patch: v.value, baseVersion: baseVersionOf(rec.row) },
      now,
    );
  },
  async delete(tx: LocalWriteTx, col: CollectionDef, id: string, now: number): Promise<void> {
    checkId(id);
    const rec = await tx.getRecord(col.name, id);
    if (!rec?.row) throw notFound(col, id);
    await addOp(tx, col.name, id, rec, { op: 'delete', baseVersion: baseVersionOf(rec.row) }, now);
  },
};

/** The baseVersion of an op over `row`: version 0 = built on an unacknowledged insert (the acknowledgement fills it in). */
export function baseVersionOf(row: LocalRow): number | null {
  return row.version === 0 ? null : row.version;
}

async function addOp(
  tx: LocalWriteTx,
  collection: string,
  id: string,
  rec: LocalRecord | null,
  op: LocalOp,
  now: number,
): Promise<LocalRow> {
  await tx.addOutbox({ collection, id, op, seq: null, clientId: null, createdAt: now });
  const next = afterOp(rec, id, op);
  await tx.putRecord(collection, next);
  // A pending op always leaves a record; after an insert or update its row is visible.
  return next.row as LocalRow;
}
