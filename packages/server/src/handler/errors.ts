/**
 * Whole-request errors as JSON answers: `{ error: { code, message, details } }` with the status of
 * core's REQUEST_ERROR_STATUS.
 */
import type { RequestErrorCode } from '@syncline/core';
import { REQUEST_ERROR_STATUS, SynclineError } from '@syncline/core';

/** A SynclineError that ends the request with its code's HTTP status. */
export function requestError(code: RequestErrorCode, message: string, details?: unknown): SynclineError {
  return new SynclineError(code, message, {
    status: REQUEST_ERROR_STATUS[code],
    ...(details === undefined ? {} : { details }),
    retryable:
      code === 'schema_ahead' || code === 'rate_limited' || code === 'unavailable' || code === 'internal',
  });
}

export function isRequestErrorCode(code: string): code is RequestErrorCode {
  return Object.hasOwn(REQUEST_ERROR_STATUS, code);
}

export function json(status: number, body: unknown, headers: Record<string, string> = {}): Response {
  return jsonAnswer(status, JSON.stringify(body), headers);
}

/**
 * An answer's JSON built already: text, or UTF-8 byte parts (a pull page whose rows SQLite wrote,
 * decision 0033) that are sent one after the other, never copied into one buffer.
 */
export type JsonBody = string | readonly Uint8Array[];

/** {@link json} of an answer whose JSON is built already. */
export function jsonAnswer(status: number, body: JsonBody, headers: Record<string, string> = {}): Response {
  const init = {
    status,
    headers: { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store', ...headers },
  };
  let response: Response;
  if (typeof body === 'string') response = new Response(body, init);
  else {
    // A Fetch body of bytes is copied when made; a stream of the parts is not (only a reader other
    // than the Node listener reads it), and the length is known, so it is sent with it.
    const parts = body;
    const stream = new ReadableStream<Uint8Array>({
      start(controller) {
        for (const part of parts) controller.enqueue(part);
        controller.close();
      },
    });
    response = new Response(stream, {
      ...init,
      headers: { ...init.headers, 'content-length': String(jsonLength(parts)) },
    });
  }
  textOf.set(response, body);
  return response;
}

/** The byte length of a {@link JsonBody}. */
export function jsonLength(body: JsonBody): number {
  if (typeof body === 'string') return Buffer.byteLength(body);
  let n = 0;
  for (const part of body) n += part.byteLength;
  return n;
}

/**
 * The body of each answer {@link json} made, beside its Response (nothing goes on the wire). The
 * Fetch body encodes a string only when read, so a listener that writes the text itself encodes
 * it once, on the socket.
 */
const textOf = new WeakMap<Response, JsonBody>();

/**
 * The whole body of a response made by {@link json}, so the Node listener writes it in one call
 * instead of streaming it through the Fetch body (a pull page is ~200 KB); undefined otherwise.
 */
export function jsonText(response: Response): JsonBody | undefined {
  return textOf.get(response);
}

export function errorJson(code: RequestErrorCode, message: string, details?: unknown): Response {
  return json(REQUEST_ERROR_STATUS[code], {
    error: details === undefined ? { code, message } : { code, message, details },
  });
}

/** The wire code an error is answered with: its own request code, else `internal`. */
export function answerCode(err: unknown): RequestErrorCode {
  return err instanceof SynclineError && isRequestErrorCode(err.code) ? err.code : 'internal';
}

/**
 * Turns anything thrown while handling a request into an answer. Only SynclineErrors with a
 * request code keep their code; everything else is a 500 with a generic message, so no stack or
 * internal detail reaches a client. A 5xx carries `requestId` in `details`, the id the server
 * log has for it.
 */
export function toErrorResponse(err: unknown, requestId: string): Response {
  const code = answerCode(err);
  if (code !== 'internal' && err instanceof SynclineError) {
    const details = REQUEST_ERROR_STATUS[code] >= 500 ? withRequestId(err.details, requestId) : err.details;
    return errorJson(code, err.message, details);
  }
  return errorJson(
    'internal',
    `The sync server hit an unexpected error (request ${requestId}). Your changes are kept on your device; try again later. The server log has the cause under this request id.`,
    { requestId },
  );
}

function withRequestId(details: unknown, requestId: string): unknown {
  if (details === undefined || details === null) return { requestId };
  if (typeof details === 'object' && !Array.isArray(details)) return { ...details, requestId };
  return details;
}
