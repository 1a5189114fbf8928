/**
 * Applying the new mutations of one push with as few database round trips as the store allows,
 * keeping every promise of the per-mutation path (ARCHITECTURE.md §1.3, §1.9, §5.3):
 *
 * - Prefetch: when the store offers `getRecords` (PostgreSQL), the records the batch touches are
 *   locked and read with one statement per collection; `getRecord` then answers from that copy
 *   until the record is written or raw SQL runs (a rule or hook may write anything).
 * - Optimistic pass: the whole batch runs inside one savepoint instead of one per mutation (with
 *   inserts sent as multi-row statements when the store can, push-pipeline.ts). If any
 *   mutation is rejected or fails, that savepoint is rolled back and the batch runs again with a
 *   savepoint per mutation, so the answers are exactly those of the per-mutation path.
 */
import type { Mutation, MutationResult } from '@syncline/core';
import { getCollection, safeLabel, validateId } from '@syncline/core/internal';
import type { AuthContext } from '../api.ts';
import type { StoredRecord, WriteTx } from '../stores/types.ts';
import { applyMutation, Rejection } from './apply.ts';
import { messages } from './conflicts.ts';
import type { HandlerContext } from './context.ts';
import { applyPipelined, canPipeline } from './push-pipeline.ts';
import type { Keys } from './rules.ts';

type KeyCache = Map<string, Promise<Keys>>;
/** Records known to be current: collection → id → record (null: known absent). */
type Known = Map<string, Map<string, StoredRecord | null>>;

/** Thrown inside the optimistic savepoint to roll it back; carries nothing, the batch reruns. */
class OptimisticMiss extends Error {}

/** Applies `fresh` (mutations after the client's last seq), one result per mutation, in order. */
export async function applyFresh(
  ctx: HandlerContext,
  tx: WriteTx,
  auth: AuthContext,
  fresh: readonly Mutation[],
): Promise<MutationResult[]> {
  const known = await prefetch(ctx, tx, fresh);
  if (fresh.length > 1) {
    try {
      return await tx.savepoint(async () => {
        if (tx.insertRecords && canPipeline(ctx, fresh)) {
          const mine = copy(known);
          const insertRecords = tx.insertRecords.bind(tx);
          const out = await applyPipelined(ctx, knownView(tx, mine), mine, insertRecords, auth, fresh);
          if (!out) throw new OptimisticMiss();
          return out;
        }
        const view = knownView(tx, copy(known));
        const keyCache: KeyCache = new Map();
        const out: MutationResult[] = [];
        for (const m of fresh) {
          let result: MutationResult;
          try {
            result = await applyMutation(ctx, view, auth, m, keyCache);
          } catch {
            throw new OptimisticMiss();
          }
          if (result.status === 'applied') keyCache.clear();
          out.push(result);
        }
        return out;
      });
    } catch (err) {
      if (!(err instanceof OptimisticMiss)) throw err;
      // Everything the pass wrote is rolled back; the prefetched rows are still locked and current.
    }
  }
  const view = knownView(tx, copy(known));
  const keyCache: KeyCache = new Map();
  const out: MutationResult[] = [];
  for (const m of fresh) {
    const result = await applyInSavepoint(ctx, view, auth, m, keyCache);
    // An applied write may change what the caller may access (a new list, a membership):
    // later mutations of the batch must see keys computed after it.
    if (result.status === 'applied') keyCache.clear();
    out.push(result);
  }
  return out;
}

/** Records every outcome, in one statement when the store can. */
export async function saveOutcomes(
  tx: WriteTx,
  clientId: string,
  results: readonly MutationResult[],
): Promise<void> {
  if (tx.saveOutcomes) return tx.saveOutcomes(clientId, results);
  for (const r of results) await tx.saveOutcome(clientId, r.seq, r);
}

/** A rejection or any error (a DB error included) rolls back only this mutation's savepoint. */
async function applyInSavepoint(
  ctx: HandlerContext,
  tx: WriteTx,
  auth: AuthContext,
  m: Mutation,
  keyCache: KeyCache,
): Promise<MutationResult> {
  try {
    return await tx.savepoint(() => applyMutation(ctx, tx, auth, m, keyCache));
  } catch (err) {
    if (err instanceof Rejection) return err.result;
    return {
      seq: m.seq,
      status: 'rejected',
      code: 'invalid',
      message: messages.failed(safeLabel(m.collection)),
      issues: [{ path: '', message: 'The server could not apply this change.' }],
    };
  }
}

async function prefetch(ctx: HandlerContext, tx: WriteTx, fresh: readonly Mutation[]): Promise<Known> {
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

function copy(known: Known): Known {
  return new Map([...known].map(([name, rows]) => [name, new Map(rows)]));
}

/**
 * `tx` with `getRecord` answered from `known` while that is certain to be current: a record is
 * forgotten when this transaction writes it, and everything is forgotten when raw SQL runs.
 * Rolled-back savepoints need no care: whatever they wrote was forgotten when it was written.
 */
function knownView(tx: WriteTx, known: Known): WriteTx {
  const forget = (name: string, id: string) => known.get(name)?.delete(id);
  // Every method forwarded by name: a store's tx may be a class instance, which a spread would not copy.
  return {
    lockClient: (clientId, userId) => tx.lockClient(clientId, userId),
    setLastSeq: (clientId, seq) => tx.setLastSeq(clientId, seq),
    writeAs: (userId) => tx.writeAs(userId),
    getOutcomes: (clientId, seqs) => tx.getOutcomes(clientId, seqs),
    saveOutcome: (clientId, seq, result) => tx.saveOutcome(clientId, seq, result),
    pruneOutcomes: (clientId, belowSeq) => tx.pruneOutcomes(clientId, belowSeq),
    all: <R>(sql: string, params?: readonly unknown[]) => {
      known.clear();
      return tx.all<R>(sql, params);
    },
    savepoint: (fn) => tx.savepoint(fn),
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
  };
}
