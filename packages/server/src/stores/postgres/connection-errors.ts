/**
 * Why a connection to PostgreSQL failed, in words that name the server (host and port, never the
 * password) and the likely fix: a wrong port or host, a role or database that does not exist, a
 * wrong password. Each is a retryable 503 for clients: the server recovers once it is fixed.
 */
import { SynclineError } from '@syncline/core';

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

const NETWORK = new Set([
  'ECONNREFUSED',
  'ENOTFOUND',
  'EAI_AGAIN',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ETIMEDOUT',
]);
/** SQLSTATEs that name a configuration mistake in the URL. */
const AUTH = new Set(['28000', '28P01', '3D000']);

function codeOf(err: unknown): string | undefined {
  const code = (err as { code?: unknown } | null)?.code;
  if (typeof code === 'string') return code;
  // Node reports "localhost" tried on ::1 and 127.0.0.1 as an AggregateError of both.
  const inner = (err as { errors?: unknown } | null)?.errors;
  return Array.isArray(inner) ? codeOf(inner[0]) : undefined;
}

/**
 * A SynclineError that explains a failure to connect or sign in; undefined for any other error
 * (left to the outage mapping of retry.ts).
 *
 * @example
 * throw describeConnectionError(err, pgTarget(url)) ?? asUnavailable(err);
 */
export function describeConnectionError(err: unknown, target: PgTarget): SynclineError | undefined {
  if (err instanceof SynclineError) return undefined;
  const code = codeOf(err);
  if (code === undefined || (!NETWORK.has(code) && !AUTH.has(code))) return undefined;
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
