import { DEFAULT_LIMITS, infoResponse, type Limits, PROTOCOL_VERSION, SynclineError } from '@syncline/core';
import type { SyncContext } from './context.ts';
import { call, RequestError } from './request.ts';

/**
 * Learns the server's limits once per session (GET /info). A server without /info (404) is
 * assumed to have the default limits; a server whose protocol range excludes ours is an error
 * the app must act on (update the app), so it is not retryable.
 */
export async function ensureLimits(ctx: SyncContext, signal: AbortSignal | undefined): Promise<Limits> {
  if (ctx.session.limits) return ctx.session.limits;
  await ctx.failpoint('push:info:before-request');
  let limits: Limits;
  try {
    const res = await call(ctx, '/info', undefined, signal);
    const info = infoResponse.safeParse(res.body);
    if (!info.success)
      throw new SynclineError('internal', 'The sync server sent an unreadable /info answer.', {
        retryable: true,
      });
    const { min, max } = info.data.protocol;
    if (PROTOCOL_VERSION < min || PROTOCOL_VERSION > max) {
      throw new SynclineError(
        'protocol_unsupported',
        `This app speaks sync protocol ${PROTOCOL_VERSION} but the server accepts ${min}–${max}. Update the app to keep syncing; your changes are saved on this device.`,
      );
    }
    limits = info.data.limits;
  } catch (e) {
    if (!(e instanceof RequestError && e.status === 404)) throw e;
    limits = DEFAULT_LIMITS;
  }
  ctx.session.limits = limits;
  return limits;
}
