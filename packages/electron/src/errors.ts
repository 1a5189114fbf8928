import { SynclineError, type SynclineErrorCode } from '@syncline/core';

/**
 * A `SynclineError` as it crosses the bridge. The structured clone keeps an Error's message but
 * drops its own fields (`code`, `details`), so the bridge sends this plain object instead and the
 * other side rebuilds the error with {@link reviveError}. The cause stays behind: it may hold a
 * driver's internals, and it is not cloneable in general.
 *
 * @example
 * const wire: WireError = { code: 'not_found', message: 'There is no tasks record "t1"…', retryable: false };
 */
export interface WireError {
  code: SynclineErrorCode;
  message: string;
  details?: unknown;
  status?: number;
  retryable: boolean;
}

/**
 * Any thrown value as a {@link WireError}: a `SynclineError` keeps its code, message, details,
 * status and retryability; anything else (a bug) becomes `internal` with its message. Details
 * that cannot be cloned are sent as their JSON.
 *
 * @example
 * port.send({ t: 'result', id, ok: false, error: toWireError(e) });
 */
export function toWireError(e: unknown): WireError {
  if (e instanceof SynclineError) {
    return {
      code: e.code,
      message: e.message,
      ...(e.details === undefined ? {} : { details: cloneable(e.details) }),
      ...(e.status === undefined ? {} : { status: e.status }),
      retryable: e.retryable,
    };
  }
  const message = e instanceof Error ? e.message : String(e);
  return { code: 'internal', message: `The main process failed: ${message}`, retryable: false };
}

/**
 * A {@link WireError} as a `SynclineError` again, with `code`, `message` and `details` intact.
 *
 * @example
 * pending.reject(reviveError(message.error));
 */
export function reviveError(w: WireError): SynclineError {
  return new SynclineError(w.code, w.message, {
    ...(w.details === undefined ? {} : { details: w.details }),
    ...(w.status === undefined ? {} : { status: w.status }),
    retryable: w.retryable,
  });
}

function cloneable(value: unknown): unknown {
  try {
    structuredClone(value);
    return value;
  } catch {
    return JSON.parse(JSON.stringify(value)) as unknown;
  }
}
