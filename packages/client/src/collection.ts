import {
  type CollectionDef,
  DEFAULT_LIMITS,
  type InsertOf,
  type PatchOf,
  type RowOf,
  type SchemaDef,
  SynclineError,
  type WireRecord,
} from '@syncline/core';
import { type Issue, type LocalOp, validateId, validateInsert, validatePatch } from '@syncline/core/internal';
import type { Comparison, LocalRow, LocalWriteTx } from './local-store.ts';
import { settleRecord } from './rebase.ts';

/** A visible row of collection K: a pending insert has `version: 0` and `updatedAt: null`. */
export type Row<S extends SchemaDef, K extends keyof S['collections']> = Omit<RowOf<S, K>, 'updatedAt'> & {
  updatedAt: string | null;
};

/** A typed query: equality or comparisons per column, order, limit. */
export interface FindQuery<R> {
  where?: { [C in keyof R]?: R[C] | Comparison };
  orderBy?: ReadonlyArray<readonly [column: keyof R & string, direction: 'asc' | 'desc']>;
  limit?: number;
  offset?: number;
}

/**
 * One collection of `client.db`. Writes are local and return after the local commit (with the
 * outbox entry, in the same tx); they never wait for the network.
 *
 * @example
 * const task = await client.db.tasks.insert({ listId: 'l1', title: 'Milk', done: false });
 * await client.db.tasks.update(task.id, { done: true });
 * const open = await client.db.tasks.find({ where: { done: false }, orderBy: [['title', 'asc']] });
 * const stop = client.db.tasks.watch({ where: { listId: 'l1' } }, (rows) => render(rows));
 */
export interface CollectionApi<S extends SchemaDef, K extends keyof S['collections']> {
  insert(data: InsertOf<S, K>): Promise<Row<S, K>>;
  update(id: string, patch: PatchOf<S, K>): Promise<Row<S, K>>;
  delete(id: string): Promise<void>;
  get(id: string): Promise<Row<S, K> | null>;
  find(query?: FindQuery<Row<S, K>>): Promise<Array<Row<S, K>>>;
  /**
   * Calls `cb` with the result now and whenever a committed change alters it (never twice with
   * an equal result); returns unsubscribe. A run that fails (an unknown column, a closed store)
   * goes to `onError`, or to the client's `error` event without one.
   */
  watch(
    query: FindQuery<Row<S, K>>,
    cb: (rows: Array<Row<S, K>>) => void,
    onError?: (error: unknown) => void,
  ): () => void;
  /** Whether the record has local changes not yet acknowledged by the server. */
  isPending(id: string): Promise<boolean>;
}

/** Largest JSON size of one record, matching the server's per-mutation limit. */
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

function checkSize(collection: string, row: unknown): void {
  const bytes = encoder.encode(JSON.stringify(row)).length;
  if (bytes > MAX_RECORD_BYTES) {
    throw invalid(`The record for "${collection}"`, [
      { path: 'record', message: `is ${bytes} bytes of JSON; the limit is ${MAX_RECORD_BYTES}.` },
    ]);
  }
}

/**
 * An id the server would refuse (empty, longer than 128, U+0000, a lone surrogate) is refused at
 * write time, before anything is stored: such a record could never sync.
 */
function checkId(id: unknown): asserts id is string {
  const idProblem = validateId(id);
  if (idProblem) throw invalid('The id', [{ path: 'id', message: idProblem }]);
}

/** The local write steps, each run inside the caller's write tx. */
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
    if (!rec?.row)
      throw new SynclineError(
        'not_found',
        `There is no ${col.name} record "${id}" on this device (it may have been deleted).`,
      );
    checkSize(col.name, { ...rec.row, ...v.value });
    // version 0 = built on an unacknowledged insert; the acknowledgement fills the baseVersion in.
    const baseVersion = rec.row.version === 0 ? null : rec.row.version;
    return addOp(tx, col.name, id, { op: 'update', patch: v.value, baseVersion }, rec.base, now);
  },

  async delete(tx: LocalWriteTx, col: CollectionDef, id: string, now: number): Promise<void> {
    checkId(id);
    const rec = await tx.getRecord(col.name, id);
    if (!rec?.row)
      throw new SynclineError(
        'not_found',
        `There is no ${col.name} record "${id}" on this device (it may have been deleted).`,
      );
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
