/**
 * The error vocabulary. Wire codes (DESIGN §4) are shared by server answers and client errors;
 * in-process errors are one `SynclineError` family with `code`, `message` and `cause`.
 */

/** Whole-request error codes and their HTTP status. */
export const REQUEST_ERROR_STATUS = {
  bad_request: 400,
  unauthenticated: 401,
  forbidden: 403,
  not_found: 404,
  seq_gap: 409,
  schema_ahead: 409,
  payload_too_large: 413,
  protocol_unsupported: 426,
  rate_limited: 429,
  internal: 500,
  unavailable: 503,
} as const;
export type RequestErrorCode = keyof typeof REQUEST_ERROR_STATUS;

/** Per-mutation rejection codes. */
export const REJECTION_CODES = ['conflict', 'not_found', 'forbidden', 'invalid'] as const;
export type RejectionCode = (typeof REJECTION_CODES)[number];

/** Codes used only inside a process (never on the wire). */
export type LocalErrorCode =
  | 'invalid_schema'
  | 'invalid'
  | 'not_found'
  | 'closed'
  | 'network'
  | 'storage'
  | 'quota_exceeded'
  | 'aborted';

export type SynclineErrorCode = RequestErrorCode | RejectionCode | LocalErrorCode;

/**
 * The one error class of Syncline. `message` is written for a person: what happened, the likely
 * cause and what to do next.
 *
 * @example
 * throw new SynclineError('invalid', 'Column "title" must be text, got a number.', { details: issues });
 */
export class SynclineError extends Error {
  override readonly name = 'SynclineError';
  readonly code: SynclineErrorCode;
  readonly status: number | undefined;
  readonly details: unknown;
  /** True when the same operation may succeed if tried again later. */
  readonly retryable: boolean;

  constructor(
    code: SynclineErrorCode,
    message: string,
    options: { cause?: unknown; status?: number; details?: unknown; retryable?: boolean } = {},
  ) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.code = code;
    this.status = options.status;
    this.details = options.details;
    this.retryable = options.retryable ?? false;
  }
}

/** Whether an HTTP status should be retried with backoff (network errors are handled separately). */
export function isRetryableStatus(status: number): boolean {
  return status === 429 || status >= 500;
}
