/**
 * `POST /sync/push` (DESIGN §4): the whole batch in one store transaction; exactly-once through
 * the client's last seq and recorded outcomes; each new mutation in its own savepoint so one
 * failure never blocks the next.
 */
import type { Mutation, MutationResult, PushRequest, PushResponse } from '@syncline/core';
import type { AuthContext } from '../api.ts';
import type { WriteTx } from '../stores/types.ts';
import { applyMutation, Rejection } from './apply.ts';
import { messages } from './conflicts.ts';
import type { HandlerContext } from './context.ts';
import { requestError } from './errors.ts';
import { checkSchemaAhead } from './schema-ahead.ts';

export async function handlePush(
  ctx: HandlerContext,
  auth: AuthContext,
  body: PushRequest,
): Promise<PushResponse> {
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
  if (mutations.length === 0) return { results: [] };

  return ctx.store.write(async (tx) => {
    const client = await tx.lockClient(clientId, auth.userId);
    if (client.userId !== auth.userId) {
      throw requestError(
        'forbidden',
        'This device id is already used by another user. The app must start a new client id for this user.',
        { reason: 'client_owned' },
      );
    }
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
    const keyCache = new Map<string, Promise<readonly string[] | null>>();
    const results: MutationResult[] = [];
    for (const m of mutations) {
      if (m.seq <= client.lastSeq) {
        results.push(recorded.get(m.seq) ?? { seq: m.seq, status: 'duplicate' });
        continue;
      }
      const result = await applyInSavepoint(ctx, tx, auth, m, keyCache);
      // An applied write may change what the caller may access (a new list, a membership):
      // later mutations of the batch must see keys computed after it.
      if (result.status === 'applied') keyCache.clear();
      await tx.saveOutcome(clientId, m.seq, result);
      results.push(result);
    }
    const lastFresh = fresh[fresh.length - 1];
    if (lastFresh) {
      await tx.setLastSeq(clientId, lastFresh.seq);
      await tx.pruneOutcomes(clientId, lastFresh.seq + 1 - ctx.outcomeRetention);
    }
    return { results };
  });
}

/** A rejection or any error (a DB error included) rolls back only this mutation's savepoint. */
async function applyInSavepoint(
  ctx: HandlerContext,
  tx: WriteTx,
  auth: AuthContext,
  m: Mutation,
  keyCache: Map<string, Promise<readonly string[] | null>>,
): Promise<MutationResult> {
  try {
    return await tx.savepoint(() => applyMutation(ctx, tx, auth, m, keyCache));
  } catch (err) {
    if (err instanceof Rejection) return err.result;
    return {
      seq: m.seq,
      status: 'rejected',
      code: 'invalid',
      message: messages.failed(m.collection),
      issues: [{ path: '', message: 'The server could not apply this change.' }],
    };
  }
}
