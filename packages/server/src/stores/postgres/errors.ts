/**
 * PostgreSQL failures as the store reports them: a write transaction retried on serialization
 * failures and deadlocks; database outages as a retryable 503 for the client instead of a 500;
 * and a failure to connect or sign in in words that name the server (host and port, never the
 * password) and the likely fix: a wrong port or host, a role or database that does not exist, a
 * wrong password. Each outage is a retryable 503: the server recovers once it is fixed.
 */
import { SynclineError } from '@syncline/core';

/** SQLSTATEs after which running the whole transaction again is the documented remedy. */
const RETRY_CODES = new Set(['40001', '40P01']);

/**
 * SQLSTATE classes and codes that mean "the database cannot serve now": connection exceptions,
 * too many connections, shutdown or termination (57P01 `pg_terminate_backend`), statement or lock
 * timeout, idle-(in-transaction-)session timeout (25P03, 57P05), out of resources.
 */
const UNAVAILABLE = /^(08...|53...|57P0[1-5]|57014|55P03|58000|25P03)$/;
/** Socket errors of node-postgres when the server is unreachable or went away. */
const NETWORK = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'ENOTFOUND', 'EHOSTUNREACH']);

/**
 * Thrown when an insert finds its id taken by a transaction that committed after the caller
 * checked the id was free (a missing row cannot be locked). Running the transaction again lets
 * the caller see the row and answer a proper `conflict` with the current record.
 */
export class ConcurrentInsert extends Error {
  override readonly name = 'ConcurrentInsert';
}

/**
 * Thrown when a prepared statement of the store no longer fits its table (an ALTER changed the
 * type of a column it returns: "cached plan must not change result type"). The store prepares
 * its statements under new names from then on, so running the transaction again succeeds.
 */
export class StaleStatement extends Error {
  override readonly name = 'StaleStatement';
}

function codeOf(err: unknown): string | undefined {
  const code = (err as { code?: unknown } | null)?.code;
  return typeof code === 'string' ? code : undefined;
}

/** True for a serialization failure (40001), a deadlock (40P01), a {@link ConcurrentInsert} or a {@link StaleStatement}. */
export function isRetryableTxError(err: unknown): boolean {
  if (err instanceof ConcurrentInsert || err instanceof StaleStatement) return true;
  const code = codeOf(err);
  return code !== undefined && RETRY_CODES.has(code);
}

/** Options of {@link withRetry}; `sleep` and `random` are injected so tests replay exactly. */
export interface RetryOptions {
  /** Total attempts including the first (default 5). */
  attempts?: number;
  /** First backoff in ms, doubled per attempt, with full jitter (default 5). */
  baseMs?: number;
  maxMs?: number;
  sleep?: (ms: number) => Promise<void>;
  random?: () => number;
}

const defaultSleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/**
 * Runs `attempt` until it succeeds, throws a non-retryable error, or the attempts run out.
 *
 * @example
 * await withRetry(() => runTransactionOnce(fn), { attempts: 5 });
 */
export async function withRetry<T>(attempt: () => Promise<T>, options: RetryOptions = {}): Promise<T> {
  const attempts = Math.max(1, options.attempts ?? 5);
  const base = options.baseMs ?? 5;
  const max = options.maxMs ?? 200;
  const sleep = options.sleep ?? defaultSleep;
  const random = options.random ?? Math.random;
  for (let i = 1; ; i++) {
    try {
      return await attempt();
    } catch (err) {
      if (i >= attempts || !isRetryableTxError(err)) throw asUnavailable(err, i >= attempts);
      // Full jitter: transactions that collided once should not collide again in lockstep.
      await sleep(Math.floor(random() * Math.min(max, base * 2 ** (i - 1))));
    }
  }
}

/**
 * Maps outages (and contention that outlived the retries) to `SynclineError('unavailable', 503,
 * retryable)`; everything else is returned unchanged.
 */
export function asUnavailable(err: unknown, exhausted = false): unknown {
  if (err instanceof SynclineError) return err;
  const code = codeOf(err);
  const message = (err as Error | null)?.message ?? '';
  const outage =
    (code !== undefined && (UNAVAILABLE.test(code) || NETWORK.has(code))) ||
    /timeout exceeded when trying to connect|Connection terminated|not queryable|connection error/i.test(
      message,
    );
  if (outage || (exhausted && isRetryableTxError(err))) {
    return new SynclineError(
      'unavailable',
      outage
        ? 'The database is unreachable or overloaded. Try again in a moment.'
        : 'The database is busy with conflicting writes. Try again in a moment.',
      { cause: err, status: 503, retryable: true },
    );
  }
  return err;
}

/** Where the store connects, for messages. */
export interface PgTarget {
  host: string;
  port: string;
  database: string | undefined;
  user: string | undefined;
}

/** The host, port, database and user of a `postgres://` URL (libpq's defaults where absent). */
export function pgTarget(connectionString: string): PgTarget {
  try {
    const url = new URL(connectionString);
    return {
      host: decodeURIComponent(url.hostname.replace(/^\[|\]$/g, '')) || 'localhost',
      port: url.port || '5432',
      database: decodeURIComponent(url.pathname.replace(/^\//, '')) || undefined,
      user: decodeURIComponent(url.username) || undefined,
    };
  } catch {
    return { host: 'localhost', port: '5432', database: undefined, user: undefined };
  }
}

/** Socket errors of a failed connect, which the URL can explain. */
const CONNECT_FAILURES = new Set([
  'ECONNREFUSED',
  'ENOTFOUND',
  'EAI_AGAIN',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ETIMEDOUT',
]);
/** SQLSTATEs that name a configuration mistake in the URL. */
const AUTH = new Set(['28000', '28P01', '3D000']);

function connectCodeOf(err: unknown): string | undefined {
  const code = codeOf(err);
  if (code !== undefined) return code;
  // Node reports "localhost" tried on ::1 and 127.0.0.1 as an AggregateError of both.
  const inner = (err as { errors?: unknown } | null)?.errors;
  return Array.isArray(inner) ? connectCodeOf(inner[0]) : undefined;
}

/**
 * A SynclineError that explains a failure to connect or sign in; undefined for any other error
 * (left to {@link asUnavailable}).
 *
 * @example
 * throw describeConnectionError(err, pgTarget(url)) ?? asUnavailable(err);
 */
export function describeConnectionError(err: unknown, target: PgTarget): SynclineError | undefined {
  if (err instanceof SynclineError) return undefined;
  const code = connectCodeOf(err);
  if (code === undefined || (!CONNECT_FAILURES.has(code) && !AUTH.has(code))) return undefined;
  const at = `${target.host}:${target.port}`;
  const detail = err instanceof Error ? err.message : String(err);
  const url = 'the database URL (--db or DATABASE_URL)';
  const message = (() => {
    switch (code) {
      case 'ECONNREFUSED':
        return `Could not connect to PostgreSQL at ${at}: the connection was refused (ECONNREFUSED), so nothing listens on that host and port. Check the host and port in ${url}, and that PostgreSQL is running there.`;
      case 'ENOTFOUND':
      case 'EAI_AGAIN':
        return `Could not connect to PostgreSQL at ${at}: the host "${target.host}" was not found (${code}). Check the host name in ${url}.`;
      case 'EHOSTUNREACH':
      case 'ENETUNREACH':
      case 'ETIMEDOUT':
        return `Could not connect to PostgreSQL at ${at}: the host cannot be reached (${code}). Check the host and port in ${url}, and that no firewall is in the way.`;
      case '28P01':
        return `PostgreSQL at ${at} refused the password of the role "${target.user ?? '?'}" (28P01: ${detail}). Check the user and password in ${url}.`;
      case '3D000':
        return `PostgreSQL at ${at} has no database "${target.database ?? '?'}" (3D000: ${detail}). Create it (\`createdb ${target.database ?? '<name>'}\` or CREATE DATABASE) or fix the database name in ${url}.`;
      default:
        return `PostgreSQL at ${at} refused the role "${target.user ?? '?'}" (${code}: ${detail}). Check the user name in ${url}, or create the role (CREATE ROLE ... LOGIN).`;
    }
  })();
  return new SynclineError('unavailable', message, {
    cause: err,
    status: 503,
    retryable: true,
    details: { host: target.host, port: target.port },
  });
}
