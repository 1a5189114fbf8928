/**
 * What happens to a request that fails on the server's side: its answer carries a request id, a
 * 5xx is logged with its cause under that id, and a 500 is passed to the `onError` hook once.
 */
import { REQUEST_ERROR_STATUS } from '@syncline/core';
import { answerCode, toErrorResponse } from './errors.ts';
import { errorFields, type Logger, safeLog } from './logger.ts';

/** Where failures go; from the SyncServerOptions. */
export interface FailureSink {
  logger: Logger;
  onError: ((error: unknown, request: Request, context: { requestId: string }) => void) | undefined;
}

/** The answer to `error` for `request`, logged (5xx) and reported (500) under `requestId`. */
export function answerFailure(
  sink: FailureSink,
  error: unknown,
  request: Request,
  requestId: string,
): Response {
  const code = answerCode(error);
  const status = REQUEST_ERROR_STATUS[code];
  if (status >= 500) {
    // The path, never the query string or headers: those may carry tokens.
    const fields = {
      requestId,
      method: request.method,
      path: new URL(request.url).pathname,
      status,
      code,
      error: errorFields(error),
    };
    if (code === 'internal') {
      safeLog(sink.logger, 'error', fields, `${request.method} ${fields.path} failed: ${describe(error)}`);
      try {
        sink.onError?.(error, request, { requestId });
      } catch {
        // A failing reporter must not change the answer.
      }
    } else {
      safeLog(
        sink.logger,
        'warn',
        fields,
        `${request.method} ${fields.path} answered ${status} ${code}: ${describe(error)}`,
      );
    }
  }
  const response = toErrorResponse(error, requestId);
  response.headers.set('x-request-id', requestId);
  return response;
}

/** The error's message and its causes', for the log line's text. */
function describe(error: unknown): string {
  const parts: string[] = [];
  let current: unknown = error;
  for (let i = 0; i < 4 && current !== undefined; i++) {
    parts.push(current instanceof Error ? current.message : String(current));
    current = current instanceof Error ? current.cause : undefined;
  }
  return parts.join(' ← caused by: ');
}
