/**
 * The error vocabulary. Wire codes (ARCHITECTURE.md §9.3) are shared by server answers and client errors;
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
/**
 * A whole-request error code (`error.code` of an {@link ErrorResponse}); its HTTP status is in
 * {@link REQUEST_ERROR_STATUS}.
 */
export type RequestErrorCode = keyof typeof REQUEST_ERROR_STATUS;

/** Per-mutation rejection codes. */
export const REJECTION_CODES = ['conflict', 'not_found', 'forbidden', 'invalid'] as const;
/**
 * Why the server refused one mutation: `conflict`, `not_found`, `forbidden` or `invalid`
 * (ARCHITECTURE.md §5).
 */
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

/**
 * Every code a {@link SynclineError} may carry: the wire's request and rejection codes plus the
 * in-process ones.
 */
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

  /**
   * What `JSON.stringify` writes: the code, message and what else a log or a UI needs (an Error's
   * own `message` is not enumerable, so it would be dropped). The cause is left out: it may hold
   * a driver's internals.
   *
   * @example
   * JSON.stringify(client.status); // {"online":true,…,"error":{"name":"SynclineError","code":"network","message":"Could not reach…","retryable":true}}
   */
  toJSON(): {
    name: string;
    code: SynclineErrorCode;
    message: string;
    status?: number;
    details?: unknown;
    retryable: boolean;
  } {
    return {
      name: this.name,
      code: this.code,
      message: this.message,
      ...(this.status === undefined ? {} : { status: this.status }),
      ...(this.details === undefined ? {} : { details: this.details }),
      retryable: this.retryable,
    };
  }
}

/** Whether an HTTP status should be retried with backoff (network errors are handled separately). */
export function isRetryableStatus(status: number): boolean {
  return status === 429 || status >= 500;
}
