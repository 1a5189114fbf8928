/**
 * Applying the new mutations of one push with as few database round trips as the store allows,
 * keeping every promise of the per-mutation path (ARCHITECTURE.md §1.3, §1.9, §5.3). The three strategies and
 * their invariants are described in ../SPEC.md:
 *
 * - Pipelined pass (pipeline.ts): the whole batch in one savepoint with inserts (and updates, where
 *   the store has updateRecords) deferred and sent as multi-row statements, when the store can and
 *   every scope key is fixed for the request.
 * - Optimistic pass: the whole batch in one savepoint, one mutation after the other.
 * - Per-mutation pass: the answers of a savepoint per mutation, the answer of record (the two
 *   passes above roll back and give way to it as soon as any mutation is rejected or fails), run
 *   in as few savepoints as it can (applyInRuns): on PostgreSQL, more than 64 subtransactions in
 *   one transaction slow the snapshots of the whole cluster.
 *
 * Every pass reads through the prefetched records (known.ts) when the store offers `getRecords`.
 */
import type { Mutation, MutationResult } from '@syncline/core';
import { safeLabel } from '@syncline/core/internal';
import type { AuthContext } from '../../api.ts';
import type { WriteTx } from '../../stores/types.ts';
import type { HandlerContext } from '../context.ts';
import type { Keys } from '../rules.ts';
import { applyMutation, Rejection } from './apply.ts';
import { messages } from './conflicts.ts';
import { copyKnown, knownView, prefetch } from './known.ts';
import { applyPipelined, canPipeline } from './pipeline.ts';

type KeyCache = Map<string, Promise<Keys>>;

/** Thrown inside the optimistic savepoint to roll it back; carries nothing, the batch reruns. */
class OptimisticMiss extends Error {}

/** Thrown inside a run's savepoint to roll it back: the mutation at `index` failed with `cause`. */
class RunStopped extends Error {
  constructor(
    readonly index: number,
    override readonly cause: unknown,
  ) {
    super('A mutation of the run failed.');
  }
}

/**
 * Applies `fresh` (mutations after the client's last seq): one result per mutation, in order, for
 * a prefix of `fresh` (all of it unless the savepoint budget ran out; see MAX_RELEASED_SAVEPOINTS).
 */
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
          const mine = copyKnown(known);
          const writes = {
            insertRecords: tx.insertRecords.bind(tx),
            updateRecords: tx.updateRecords?.bind(tx),
          };
          const out = await applyPipelined(ctx, knownView(tx, mine), mine, writes, auth, fresh);
          if (!out) throw new OptimisticMiss();
          return out;
        }
        return await applyEach(fresh, knownView(tx, copyKnown(known)), (view, m, keyCache) =>
          applyMutation(ctx, view, auth, m, keyCache).catch(() => {
            throw new OptimisticMiss();
          }),
        );
      });
    } catch (err) {
      if (!(err instanceof OptimisticMiss)) throw err;
      // Everything the pass wrote is rolled back; the prefetched rows are still locked and current.
    }
  }
  return applyInRuns(ctx, knownView(tx, copyKnown(known)), auth, fresh);
}

/**
 * The answers of a savepoint per mutation with about one savepoint per failure: the mutations
 * from `at` run in one savepoint; when one fails, that savepoint is rolled back, the ones before
 * it run again in one savepoint (they applied on the same state), and the failed one runs alone
 * in its own, which it rolls back (its answer is what it meets there, on the state it would
 * see). Only released savepoints stay subtransactions of the transaction: at most one per
 * failed mutation plus one, against one per applied mutation before.
 */
async function applyInRuns(
  ctx: HandlerContext,
  view: WriteTx,
  auth: AuthContext,
  fresh: readonly Mutation[],
  budget: { released: number } = { released: 0 },
): Promise<MutationResult[]> {
  const out: MutationResult[] = [];
  let at = 0;
  while (at < fresh.length) {
    // The budget is spent: the answer stops here, a prefix of the batch (see MAX_RELEASED_SAVEPOINTS).
    if (budget.released >= MAX_RELEASED_SAVEPOINTS) return out;
    const from = at;
    try {
      const rest = fresh.slice(from);
      const results = await view.savepoint(() =>
        applyEach(rest, view, (v, m, keyCache) =>
          applyMutation(ctx, v, auth, m, keyCache).catch((err: unknown) => {
            throw new RunStopped(from + rest.indexOf(m), err);
          }),
        ),
      );
      budget.released++;
      out.push(...results);
      return out;
    } catch (err) {
      if (!(err instanceof RunStopped)) throw err;
      if (err.index === from) {
        // It ran first in the rolled-back savepoint: exactly its own savepoint of the reference path.
        out.push(failedResult(fresh[from]!, err.cause));
        at = from + 1;
      } else {
        const before = fresh.slice(from, err.index);
        const answered = await applyInRuns(ctx, view, auth, before, budget);
        out.push(...answered);
        if (answered.length < before.length) return out;
        at = err.index;
      }
    }
  }
  return out;
}

/**
 * Released savepoints one push may keep in its transaction. Each one that wrote is a PostgreSQL
 * subtransaction, and past 64 of them in one transaction the backend's subtransaction cache
 * overflows: every snapshot in the cluster then reads pg_subtrans until the transaction ends.
 * Below 64, so that a rule's or trigger's own savepoint and the pending release of the store
 * (decision 0032) still fit. When a push with many rejections reaches it, the answer holds the
 * results of a prefix of the batch, committed with them; the client re-sends the rest with the
 * same seqs (decision 0035).
 */
export const MAX_RELEASED_SAVEPOINTS = 60;

/** Runs `apply` on each mutation in order with one key cache, emptied after every applied write. */
async function applyEach(
  fresh: readonly Mutation[],
  view: WriteTx,
  apply: (view: WriteTx, m: Mutation, keyCache: KeyCache) => Promise<MutationResult>,
): Promise<MutationResult[]> {
  const keyCache: KeyCache = new Map();
  const out: MutationResult[] = [];
  for (const m of fresh) {
    const result = await apply(view, m, keyCache);
    // An applied write may change what the caller may access (a new list, a membership):
    // later mutations of the batch must see keys computed after it.
    if (result.status === 'applied') keyCache.clear();
    out.push(result);
  }
  return out;
}

/**
 * Records every outcome, the client's last seq, and forgets the outcomes older than the last
 * `retention` seqs: in one statement when the store can, else in as few as it can.
 */
export async function recordPush(
  tx: WriteTx,
  clientId: string,
  results: readonly MutationResult[],
  lastSeq: number,
  retention: number,
): Promise<void> {
  const keepFromSeq = lastSeq + 1 - retention;
  if (tx.recordPush) return tx.recordPush(clientId, results, lastSeq, keepFromSeq);
  if (tx.saveOutcomes) await tx.saveOutcomes(clientId, results);
  else for (const r of results) await tx.saveOutcome(clientId, r.seq, r);
  await tx.setLastSeq(clientId, lastSeq);
  await tx.pruneOutcomes(clientId, keepFromSeq);
}

/** The answer of a mutation whose savepoint a rejection or any error (a DB error included) rolled back. */
function failedResult(m: Mutation, err: unknown): MutationResult {
  if (err instanceof Rejection) return err.result;
  return {
    seq: m.seq,
    status: 'rejected',
    code: 'invalid',
    message: messages.failed(safeLabel(m.collection)),
    issues: [{ path: '', message: 'The server could not apply this change.' }],
  };
}
