import { errorResponse, isRetryableStatus, type RequestErrorCode, SynclineError } from '@syncline/core';
import { retryAfterMs } from '../backoff.ts';
import type { SyncPath, TransportResponse } from '../transport.ts';
import type { SyncContext } from './context.ts';

/** A whole-request failure, with what the loop needs to decide how long to wait. */
export class RequestError extends SynclineError {
  readonly retryAfterMs: number | undefined;
  constructor(
    code: RequestErrorCode | 'network',
    message: string,
    opts: {
      status?: number;
      details?: unknown;
      retryable: boolean;
      retryAfterMs?: number | undefined;
      cause?: unknown;
    },
  ) {
    super(code, message, opts);
    this.retryAfterMs = opts.retryAfterMs;
  }
}

/**
 * One authenticated request. On 401 the token is refreshed (`forceRefresh: true`) and the request
 * retried once; a second 401 is surfaced. Any non-2xx answer becomes a {@link RequestError} carrying
 * the wire code, status, details and Retry-After.
 */
export async function call(
  ctx: SyncContext,
  path: SyncPath,
  body: unknown,
  signal: AbortSignal | undefined,
): Promise<TransportResponse> {
  let sent = await send(ctx, path, body, signal, false);
  if (sent.res.status === 401) sent = await send(ctx, path, body, signal, true);
  if (sent.res.status >= 200 && sent.res.status < 300) return sent.res;
  throw toRequestError(ctx, sent.res, sent.token !== null);
}

async function send(
  ctx: SyncContext,
  path: SyncPath,
  body: unknown,
  signal: AbortSignal | undefined,
  forceRefresh: boolean,
) {
  const token = await ctx.getToken(forceRefresh);
  try {
    const res = await ctx.transport.request(path, {
      method: body === undefined ? 'GET' : 'POST',
      token,
      ...(body === undefined ? {} : { body }),
      ...(signal ? { signal } : {}),
    });
    ctx.progress.reached(true);
    return { res, token };
  } catch (e) {
    if (e instanceof SynclineError && e.code === 'network') ctx.progress.reached(false);
    throw e;
  }
}

const MESSAGES: Partial<Record<RequestErrorCode, string>> = {
  schema_ahead:
    'This app is newer than the sync server, which is probably being updated. Your changes are kept and will be sent shortly.',
  rate_limited: 'The sync server is busy. Syncing will resume shortly.',
  unavailable:
    'The sync server is unavailable. Syncing will resume shortly; your changes are saved on this device.',
  internal: 'The sync server had a problem. Syncing will be retried; your changes are saved on this device.',
};

/**
 * A 401's message: the server's reason (missing, malformed, expired, forged token) and what to
 * do; a client that sent no token at all is told where tokens come from.
 */
function unauthenticatedMessage(serverMessage: string, sentToken: boolean): string {
  if (!sentToken) {
    return "The sync server needs a sign-in token and this client sent none: pass `auth: { getToken }` to createClient, and make getToken return the signed-in user's token (it returned null). Your changes stay saved on this device.";
  }
  return `The sync server did not accept your sign-in: ${serverMessage} getToken({ forceRefresh: true }) was asked for a new token and retried once. Sign in again; your changes stay saved on this device.`;
}

function toRequestError(ctx: SyncContext, res: TransportResponse, sentToken: boolean): RequestError {
  const parsed = errorResponse.safeParse(res.body);
  const code: RequestErrorCode = parsed.success ? parsed.data.error.code : fallbackCode(res.status);
  const serverMessage = parsed.success ? parsed.data.error.message : `HTTP ${res.status}`;
  const retryable = isRetryableStatus(res.status) || code === 'schema_ahead';
  const details = parsed.success ? parsed.data.error.details : undefined;
  const requestId = (details as { requestId?: unknown } | undefined)?.requestId;
  const generic = MESSAGES[code] ?? `The sync server refused the request (${code}): ${serverMessage}`;
  const message =
    code === 'unauthenticated'
      ? unauthenticatedMessage(serverMessage, sentToken)
      : // The server log has the cause under this id: worth quoting to whoever runs the server.
        typeof requestId === 'string'
        ? `${generic} (request id ${requestId})`
        : generic;
  return new RequestError(code, message, {
    status: res.status,
    details: parsed.success ? parsed.data.error.details : res.body,
    retryable,
    retryAfterMs: retryAfterMs(res.headers['retry-after'], ctx.clock.now()),
  });
}

function fallbackCode(status: number): RequestErrorCode {
  if (status === 401) return 'unauthenticated';
  if (status === 403) return 'forbidden';
  if (status === 413) return 'payload_too_large';
  if (status === 429) return 'rate_limited';
  if (status === 503) return 'unavailable';
  if (status >= 500) return 'internal';
  return 'bad_request';
}
