/**
 * The batch writes (`insertMany`, `updateMany`, `deleteMany`), each run inside ONE write tx by
 * the caller: every row is validated first (no store call), then the records are read with one
 * `getRecords`, every row's op computed, then the outbox entries appended (one `addOutboxMany`
 * call where the store has it, decision 0030) and all the rewritten records stored with one
 * `putRecords` call.
 * The first refused row throws before anything is kept (the tx rolls back), naming its index.
 *
 * A record's new state is its old state with the one op applied (`applyOp` over the visible
 * row, `pending + 1`), which is what `settleRecord` computes from the base and the outbox, without
 * reading the record's outbox back (decisions 0024, 0027; `afterOp` in ops.ts).
 */
import { type CollectionDef, SynclineError } from '@syncline/core';
import { type LocalOp, validateInsert, validatePatch } from '@syncline/core/internal';
import type { LocalRecord, LocalRow, LocalWriteTx, OutboxEntry } from '../local-store.ts';
import {
  afterOp,
  baseVersionOf,
  checkFree,
  checkId,
  checkSize,
  invalid,
  notFound,
  withoutId,
} from './ops.ts';

/** One change of `updateMany`: the record's id and the columns to set. */
export interface BatchUpdate {
  id: string;
  patch: Record<string, unknown>;
}

/** Runs `check` for row `index`, turning its error into one that names the call and the index. */
function atRow<T>(method: string, index: number, id: unknown, check: () => T): T {
  try {
    return check();
  } catch (e) {
    throw refused(method, index, id, e);
  }
}

function refused(method: string, index: number, id: unknown, e: unknown): unknown {
  if (!(e instanceof SynclineError)) return e;
  const which = typeof id === 'string' ? `row ${index} (id "${id}")` : `row ${index}`;
  return new SynclineError(e.code, `${method}: ${which} was refused, so nothing was written. ${e.message}`, {
    details: { index, id: typeof id === 'string' ? id : null, details: e.details ?? null },
    cause: e,
  });
}

function checkArray(method: string, value: unknown, what: string): asserts value is unknown[] {
  if (!Array.isArray(value))
    throw new SynclineError('invalid', `${method} takes an array of ${what}; it was given ${typeof value}.`);
}

/** Appends the entries in order: one `addOutboxMany` call where the store has it (decision 0030). */
async function appendOutbox(
  tx: LocalWriteTx,
  entries: ReadonlyArray<Omit<OutboxEntry, 'key'>>,
): Promise<void> {
  if (tx.addOutboxMany) await tx.addOutboxMany(entries);
  else for (const entry of entries) await tx.addOutbox(entry);
}

/**
 * Appends the ops in order (one outbox entry each) and stores every touched record once. The
 * records are read with one `getRecords` call, not one read per row.
 */
async function commitOps(
  tx: LocalWriteTx,
  method: string,
  col: CollectionDef,
  ops: ReadonlyArray<{ id: string; op: (rec: LocalRecord | null, index: number) => LocalOp }>,
  now: number,
): Promise<LocalRecord[]> {
  const ids = new Set<string>();
  for (const o of ops) ids.add(o.id);
  // Every id read is written back: after the loop, `states` holds exactly the touched records.
  const states = await tx.getRecords(col.name, [...ids]);
  const after: LocalRecord[] = new Array(ops.length);
  const entries: Array<Omit<OutboxEntry, 'key'>> = new Array(ops.length);
  for (let i = 0; i < ops.length; i++) {
    const { id, op: make } = ops[i]!;
    const rec = states.get(id) ?? null;
    const op = atRow(method, i, id, () => make(rec, i));
    entries[i] = { collection: col.name, id, op, seq: null, clientId: null, createdAt: now };
    const next = afterOp(rec, id, op);
    states.set(id, next);
    after[i] = next;
  }
  await appendOutbox(tx, entries);
  await tx.putRecords(col.name, [...states.values()]);
  return after;
}

export const batchOps = {
  async insertMany(
    tx: LocalWriteTx,
    col: CollectionDef,
    rows: unknown,
    newId: () => string,
    now: number,
  ): Promise<LocalRow[]> {
    const method = `client.db.${col.name}.insertMany`;
    checkArray(method, rows, 'new records');
    // Every id is new to the batch (checked here), so each row is one op over its own record:
    // no per-row closure or state map, one array each for the ids, ops and records.
    const seen = new Map<string, number>();
    const ids: string[] = new Array(rows.length);
    const ops: LocalOp[] = new Array(rows.length);
    for (let i = 0; i < rows.length; i++) {
      const data = rows[i];
      const given = (data as { id?: unknown } | null)?.id;
      try {
        if (data === null || typeof data !== 'object' || Array.isArray(data))
          throw invalid('The new record', [{ path: 'record', message: 'is not an object.' }]);
        const id = given === undefined ? newId() : given;
        checkId(id);
        const earlier = seen.get(id);
        if (earlier !== undefined)
          throw new SynclineError('conflict', `The id "${id}" is also the id of row ${earlier}.`);
        seen.set(id, i);
        const v = validateInsert(col, withoutId(data as Record<string, unknown>));
        if (!v.ok) throw invalid(`The new record for "${col.name}"`, v.issues);
        checkSize(col.name, { id }, v.value);
        ids[i] = id;
        ops[i] = { op: 'insert', data: v.value };
      } catch (e) {
        throw refused(method, i, given, e);
      }
    }
    const existing = await tx.getRecords(col.name, ids);
    const records: LocalRecord[] = new Array(rows.length);
    const entries: Array<Omit<OutboxEntry, 'key'>> = new Array(rows.length);
    for (let i = 0; i < rows.length; i++) {
      const id = ids[i]!;
      const op = ops[i]!;
      const rec = existing.get(id) ?? null;
      if (rec) atRow(method, i, id, () => checkFree(col, id, rec));
      entries[i] = { collection: col.name, id, op, seq: null, clientId: null, createdAt: now };
      records[i] = afterOp(rec, id, op);
    }
    await appendOutbox(tx, entries);
    await tx.putRecords(col.name, records);
    return records.map((r) => r.row as LocalRow);
  },

  async updateMany(tx: LocalWriteTx, col: CollectionDef, changes: unknown, now: number): Promise<LocalRow[]> {
    const method = `client.db.${col.name}.updateMany`;
    checkArray(method, changes, '{ id, patch } changes');
    const ops = changes.map((change, i) => {
      const { id, patch } = (change ?? {}) as Partial<BatchUpdate>;
      return atRow(method, i, id, () => {
        if (change === null || typeof change !== 'object')
          throw invalid('The change', [{ path: 'change', message: 'is not an { id, patch } object.' }]);
        checkId(id);
        const v = validatePatch(col, patch as Record<string, unknown>);
        if (!v.ok) throw invalid(`The change to record "${id}" of "${col.name}"`, v.issues);
        return {
          id,
          op: (rec: LocalRecord | null): LocalOp => {
            if (!rec?.row) throw notFound(col, id);
            checkSize(col.name, rec.row, v.value);
            return { op: 'update', patch: v.value, baseVersion: baseVersionOf(rec.row) };
          },
        };
      });
    });
    return (await commitOps(tx, method, col, ops, now)).map((r) => r.row as LocalRow);
  },

  async deleteMany(tx: LocalWriteTx, col: CollectionDef, ids: unknown, now: number): Promise<void> {
    const method = `client.db.${col.name}.deleteMany`;
    checkArray(method, ids, 'ids');
    const ops = ids.map((id, i) =>
      atRow(method, i, id, () => {
        checkId(id);
        return {
          id,
          op: (rec: LocalRecord | null): LocalOp => {
            if (!rec?.row) throw notFound(col, id);
            return { op: 'delete', baseVersion: baseVersionOf(rec.row) };
          },
        };
      }),
    );
    await commitOps(tx, method, col, ops, now);
  },
};
