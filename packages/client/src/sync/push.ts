import { PROTOCOL_VERSION, pushResponse, SynclineError } from '@syncline/core';
import type { SyncContext } from './context.ts';
import { ensureLimits } from './info.ts';
import { applyPushResults, rekeyClient } from './push-apply.ts';
import { assignBatch, toMutation } from './push-batch.ts';
import { call, RequestError } from './request.ts';

/** What one push round achieved. `idle`: nothing sendable (outbox empty or every record waiting). */
export type PushOutcome = 'idle' | 'applied' | 'retry-now';

/**
 * One push round: assign a batch (one local tx), send it, apply the answer (one local tx).
 * Request-level answers the client fixes itself return `retry-now`: seq_gap / foreign clientId
 * (new clientId) and 413 (halve the batch). Everything else throws a {@link RequestError}.
 *
 * @example
 * while ((await pushOnce(ctx, signal)) !== 'idle') {}
 */
export async function pushOnce(ctx: SyncContext, signal: AbortSignal | undefined): Promise<PushOutcome> {
  const limits = await ensureLimits(ctx, signal);
  await ctx.failpoint('push:before-assign');
  const batch = await assignBatch(ctx, limits);
  await ctx.failpoint('push:after-assign');
  if (!batch) return 'idle';
  const body = {
    protocol: PROTOCOL_VERSION,
    clientId: batch.clientId,
    schemaHash: ctx.schema.hash,
    mutations: batch.entries.map(toMutation),
  };
  await ctx.failpoint('push:before-send');
  let raw: unknown;
  const sentAt = ctx.clock.now();
  try {
    raw = (await call(ctx, '/push', body, signal)).body;
    ctx.session.slowPushFailures = 0;
  } catch (e) {
    if (!(e instanceof RequestError)) {
      noteSlowFailure(ctx, e, batch.entries.length, ctx.clock.now() - sentAt);
      throw e;
    }
    ctx.session.slowPushFailures = 0;
    if (e.code === 'seq_gap' || (e.code === 'forbidden' && reason(e.details) === 'client_owned')) {
      await rekeyClient(ctx, { resetAll: e.code === 'seq_gap' });
      return 'retry-now';
    }
    if (e.code === 'payload_too_large' && batch.entries.length > 1) {
      ctx.session.batchSize = Math.max(1, Math.floor(batch.entries.length / 2));
      return 'retry-now';
    }
    if (e.code === 'payload_too_large') {
      // One mutation larger than this server accepts would be re-sent forever (ARCHITECTURE.md §1.9). The
      // server never processed its seq, so answer it here as a rejection and start a new clientId
      // (later entries may already hold higher seqs).
      const entry = batch.entries[0]!;
      await applyPushResults(ctx, batch, [
        {
          seq: entry.seq!,
          status: 'rejected',
          code: 'invalid',
          message: e.message,
          issues: [{ path: '', message: 'is larger than this server accepts in one request.' }],
        },
      ]);
      await rekeyClient(ctx);
      return 'retry-now';
    }
    throw e;
  }
  await ctx.failpoint('push:after-send-before-response');
  const parsed = pushResponse.safeParse(raw);
  if (!parsed.success) {
    throw new SynclineError(
      'internal',
      'The sync server sent an unreadable push answer; it will be retried.',
      { retryable: true, cause: parsed.error },
    );
  }
  await ctx.failpoint('push:after-response');
  const answered = await applyPushResults(ctx, batch, parsed.data.results);
  await ctx.failpoint('push:after-apply');
  if (answered === 0) {
    throw new SynclineError(
      'internal',
      'The sync server answered none of the sent changes; they will be re-sent.',
      { retryable: true },
    );
  }
  return 'applied';
}

/** A network failure after this long in flight is a timeout (a refused connection fails at once). */
export const SLOW_FAILURE_MS = 5000;
/** Timeouts in a row after which the batch is halved. */
export const TIMEOUTS_BEFORE_HALVING = 2;

/**
 * A push cut by a timeout (a server's idle timeout on a slow link, a proxy's) is likely too big
 * for the link: after {@link TIMEOUTS_BEFORE_HALVING} in a row, later batches are half as big
 * (down to one mutation), as after a 413. Sent entries keep their seqs: the next batch is a
 * prefix of them.
 */
function noteSlowFailure(ctx: SyncContext, error: unknown, size: number, ms: number): void {
  if (!(error instanceof SynclineError) || error.code !== 'network' || ms < SLOW_FAILURE_MS) {
    ctx.session.slowPushFailures = 0;
    return;
  }
  const failures = (ctx.session.slowPushFailures ?? 0) + 1;
  ctx.session.slowPushFailures = failures;
  if (failures >= TIMEOUTS_BEFORE_HALVING && size > 1) {
    ctx.session.batchSize = Math.max(1, Math.floor(size / 2));
    ctx.session.slowPushFailures = 0;
  }
}

function reason(details: unknown): unknown {
  return typeof details === 'object' && details !== null
    ? (details as { reason?: unknown }).reason
    : undefined;
}

/** Consecutive self-fixes (new clientId, smaller batch) tolerated before giving up to backoff. */
const MAX_SELF_FIXES = 16;

/**
 * Pushes until the outbox is empty or blocked. Calls `onApplied` after every applied round
 * (the client notifies rejections there).
 */
export async function pushAll(
  ctx: SyncContext,
  signal: AbortSignal | undefined,
  onApplied: () => Promise<void>,
): Promise<void> {
  let fixes = 0;
  for (;;) {
    signal?.throwIfAborted();
    const outcome = await pushOnce(ctx, signal);
    if (outcome === 'idle') return;
    if (outcome === 'retry-now') {
      if (++fixes > MAX_SELF_FIXES) {
        throw new SynclineError(
          'internal',
          'The sync server kept refusing the changes; syncing will be retried later.',
          { retryable: true },
        );
      }
      continue;
    }
    fixes = 0;
    await onApplied();
  }
}
