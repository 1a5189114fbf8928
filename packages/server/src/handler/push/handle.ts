/**
 * `POST /sync/push` (ARCHITECTURE.md §5): the whole batch in one store transaction; exactly-once through
 * the client's last seq and recorded outcomes; one failure never blocks the next mutation (each
 * gets its own savepoint whenever the batch has a failure, see batch.ts and ../SPEC.md).
 */
import type { MutationResult, PushRequest, PushResponse } from '@syncline/core';
import { textProblem } from '@syncline/core/internal';
import type { AuthContext } from '../../api.ts';
import type { HandlerContext } from '../context.ts';
import { requestError } from '../errors.ts';
import { applyFresh, recordPush } from './batch.ts';
import { checkSchemaAhead } from './schema-ahead.ts';

/**
 * The push answer, and the outcome of each mutation as this request decided it: a mutation the
 * server had already processed (a replayed push) is `duplicate` here even when the answer repeats
 * its recorded `applied` result, so metrics count each write once.
 */
export interface PushAnswer {
  body: PushResponse;
  outcomes: string[];
}

export async function handlePush(
  ctx: HandlerContext,
  auth: AuthContext,
  body: PushRequest,
): Promise<PushAnswer> {
  const { mutations, clientId } = body;
  if (mutations.length > ctx.limits.maxMutationsPerPush) {
    throw requestError(
      'payload_too_large',
      `A push may carry at most ${ctx.limits.maxMutationsPerPush} mutations; this one has ${mutations.length}. Send smaller batches.`,
      { maxMutationsPerPush: ctx.limits.maxMutationsPerPush },
    );
  }
  for (let i = 1; i < mutations.length; i++) {
    if (mutations[i]!.seq !== mutations[i - 1]!.seq + 1) {
      throw requestError('bad_request', 'The mutations of a push must have consecutive seq numbers.', {
        index: i,
        seq: mutations[i]!.seq,
        expectedSeq: mutations[i - 1]!.seq + 1,
      });
    }
  }
  // The client id is stored (clients, outcomes): text a store cannot keep exactly is refused whole.
  const clientIdProblem = textProblem(clientId);
  if (clientIdProblem !== null) {
    throw requestError('bad_request', `clientId ${clientIdProblem} The app must start a new client id.`, {
      field: 'clientId',
    });
  }
  if (mutations.length === 0) return { body: { results: [] }, outcomes: [] };

  return ctx.store.write(async (tx) => {
    const client = await tx.lockClient(clientId, auth.userId);
    if (client.userId !== auth.userId) {
      throw requestError(
        'forbidden',
        'This device id is already used by another user. The app must start a new client id for this user.',
        { reason: 'client_owned' },
      );
    }
    // Every record this push writes carries its user as `updatedBy` (set by the store's triggers).
    await tx.writeAs(auth.userId);
    const fresh = mutations.filter((m) => m.seq > client.lastSeq);
    const first = fresh[0];
    if (first && first.seq !== client.lastSeq + 1) {
      throw requestError(
        'seq_gap',
        `The server expected mutation ${client.lastSeq + 1} from this device next, but got ${first.seq}. The app must start a new client id.`,
        { expectedSeq: client.lastSeq + 1, seq: first.seq },
      );
    }
    // Before anything is applied: a client ahead of the server keeps its whole batch (decision 0003).
    checkSchemaAhead(ctx.schema, body.schemaHash, fresh);

    const dupSeqs = mutations.filter((m) => m.seq <= client.lastSeq).map((m) => m.seq);
    const recorded = await tx.getOutcomes(clientId, dupSeqs);
    const applied = await applyFresh(ctx, tx, auth, fresh);
    // `applied` answers a prefix of `fresh` (all of it unless the savepoint budget ran out): the
    // mutations after it get no result, stay unprocessed here, and come again with their seqs.
    const lastApplied = applied[applied.length - 1];
    if (lastApplied) await recordPush(tx, clientId, applied, lastApplied.seq, ctx.outcomeRetention);
    const bySeq = new Map(applied.map((r) => [r.seq, r]));
    const results: MutationResult[] = [];
    const outcomes: string[] = [];
    for (const m of mutations) {
      if (m.seq <= client.lastSeq) {
        results.push(recorded.get(m.seq) ?? { seq: m.seq, status: 'duplicate' });
        outcomes.push('duplicate');
        continue;
      }
      const result = bySeq.get(m.seq);
      if (!result) break;
      results.push(result);
      outcomes.push(result.status);
    }
    return { body: { results }, outcomes };
  });
}
