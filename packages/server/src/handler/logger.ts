/**
 * The server's logging contract (pino-compatible) and what goes into a log line about a failure.
 * Log lines carry ids, routes, statuses and error causes; never headers or row data.
 */

/**
 * A structured logger: pino's (`pino()`), or anything with these four methods taking an object of
 * fields and a message. The server never logs to `console` by itself.
 *
 * @example
 * import pino from 'pino';
 * const server = createSyncServer({ schema, rules, store, auth, logger: pino() });
 */
export interface Logger {
  debug(fields: Record<string, unknown>, message?: string): void;
  info(fields: Record<string, unknown>, message?: string): void;
  warn(fields: Record<string, unknown>, message?: string): void;
  error(fields: Record<string, unknown>, message?: string): void;
}

/** The default: logs nothing. */
export const silentLogger: Logger = {
  debug() {},
  info() {},
  warn() {},
  error() {},
};

/** Calls the logger without letting a failing logger turn one bad request into a crash. */
export function safeLog(
  logger: Logger,
  level: keyof Logger,
  fields: Record<string, unknown>,
  message: string,
): void {
  try {
    logger[level](fields, message);
  } catch {
    // Nowhere safer to report a broken logger.
  }
}

/** A request id from the caller (a proxy's `x-request-id`) when it is short and plain; else null. */
const INCOMING_ID = /^[A-Za-z0-9._:-]{1,128}$/;

/** The request's id: the incoming `x-request-id` when it is a plain token, else a new random one. */
export function requestIdOf(request: Request): string {
  const incoming = request.headers.get('x-request-id');
  return incoming !== null && INCOMING_ID.test(incoming) ? incoming : crypto.randomUUID();
}

/**
 * An error as log fields: its name, code, message and stack, and the same of its causes. Only these
 * fields: a driver error's other properties may hold row data (PostgreSQL's `detail` quotes the
 * key of a violated constraint, and `parameters` the query's values).
 *
 * @example
 * logger.error({ requestId, error: errorFields(error) }, 'push failed');
 */
export function errorFields(error: unknown, depth = 0): Record<string, unknown> {
  if (!(error instanceof Error)) return { message: String(error) };
  const code = (error as { code?: unknown }).code;
  const fields: Record<string, unknown> = {
    type: error.name,
    message: error.message,
    ...(typeof code === 'string' || typeof code === 'number' ? { code } : {}),
    ...(error.stack === undefined ? {} : { stack: error.stack }),
  };
  if (error.cause !== undefined && depth < 4) fields.cause = errorFields(error.cause, depth + 1);
  return fields;
}
