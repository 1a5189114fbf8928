/**
 * Bearer-token verification with `jose`: HS256 with a shared secret, or asymmetric keys from a
 * remote JWKS. The token's `sub` is the user id (DESIGN §4).
 */
import { SynclineError } from '@syncline/core';
import {
  createRemoteJWKSet,
  type JWTPayload,
  type JWTVerifyGetKey,
  errors as joseErrors,
  jwtVerify,
  SignJWT,
} from 'jose';
import type { AuthContext, Authenticator } from '../api.ts';

/** Shortest accepted HS256 secret: RFC 7518 §3.2 asks for a key at least as long as the hash (256 bits). */
export const MIN_SECRET_BYTES = 32;

/** Algorithms accepted from a JWKS. `none` and HMAC are never accepted there. */
const ASYMMETRIC_ALGORITHMS = [
  'RS256',
  'RS384',
  'RS512',
  'PS256',
  'PS384',
  'PS512',
  'ES256',
  'ES384',
  'ES512',
  'EdDSA',
];

/** Claims checked in addition to the signature, expiry and `sub`. */
export interface JwtClaimChecks {
  /** Required `iss`. */
  issuer?: string;
  /** Required `aud` (one of). */
  audience?: string | string[];
  /** Seconds of clock skew tolerated for `exp`/`nbf`; default 0. */
  clockToleranceSeconds?: number;
}

export type JwtAuthOptions = ({ secret: string } | { jwksUrl: string }) & JwtClaimChecks;

const encoder = new TextEncoder();

function secretKey(secret: string | undefined): Uint8Array {
  if (typeof secret !== 'string' || secret.trim() === '') {
    throw new SynclineError(
      'invalid',
      `No JWT secret: the secret given to createJwtAuth is ${secret === undefined ? 'undefined' : typeof secret === 'string' ? 'empty' : `a ${typeof secret}`}, probably because the environment variable it is read from (SYNCLINE_JWT_SECRET) is not set in this process. ` +
        `Set it to a random string of at least ${MIN_SECRET_BYTES} bytes, e.g. \`export SYNCLINE_JWT_SECRET=$(openssl rand -base64 48)\`.`,
    );
  }
  const key = encoder.encode(secret);
  if (key.byteLength < MIN_SECRET_BYTES) {
    throw new SynclineError(
      'invalid',
      `The JWT secret is too short (${key.byteLength} bytes): HS256 needs at least ${MIN_SECRET_BYTES} bytes. ` +
        'Generate one with `openssl rand -base64 48`.',
    );
  }
  return key;
}

/**
 * Why a token was refused, in `error.details.reason` of the 401 (so a client can tell a missing
 * token from an expired one): `missing`, `malformed`, `expired`, `bad_signature`, `unknown_key`,
 * `algorithm`, `claims` or `no_subject`.
 */
export type TokenRejection =
  | 'missing'
  | 'malformed'
  | 'expired'
  | 'bad_signature'
  | 'unknown_key'
  | 'algorithm'
  | 'claims'
  | 'no_subject';

function unauthenticated(reason: TokenRejection, message: string, cause?: unknown): SynclineError {
  return new SynclineError('unauthenticated', message, {
    status: 401,
    details: { reason },
    ...(cause === undefined ? {} : { cause }),
  });
}

/** Maps a jose failure to the wire vocabulary; key-server trouble is retryable, never the caller's fault. */
function toSynclineError(error: unknown, remote: boolean): SynclineError {
  if (error instanceof SynclineError) return error;
  if (error instanceof joseErrors.JWTExpired) {
    return unauthenticated('expired', 'The token has expired. Get a new token and retry.', error);
  }
  if (error instanceof joseErrors.JWSSignatureVerificationFailed) {
    return unauthenticated(
      'bad_signature',
      'The token signature is not valid: it was signed with another secret or key than this server verifies with (check that the token issuer and the server share SYNCLINE_JWT_SECRET).',
      error,
    );
  }
  if (error instanceof joseErrors.JOSEAlgNotAllowed) {
    return unauthenticated(
      'algorithm',
      'The token is signed with an algorithm this server does not accept.',
      error,
    );
  }
  if (error instanceof joseErrors.JWTClaimValidationFailed) {
    return unauthenticated('claims', `The token was rejected: ${error.message}.`, error);
  }
  if (error instanceof joseErrors.JWKSNoMatchingKey || error instanceof joseErrors.JWKSMultipleMatchingKeys) {
    return unauthenticated(
      'unknown_key',
      'The token was signed with a key this server does not know.',
      error,
    );
  }
  if (
    remote &&
    (error instanceof joseErrors.JWKSTimeout ||
      error instanceof joseErrors.JWKSInvalid ||
      error instanceof TypeError ||
      // jose reports a non-200 or non-JSON key-set answer as a plain JOSEError.
      (error instanceof joseErrors.JOSEError && error.message.includes('JSON Web Key Set')))
  ) {
    // The key server is down or answered garbage: the token may be fine, so ask the client to retry.
    return new SynclineError(
      'unavailable',
      'The server could not fetch its token-signing keys. Retry later.',
      {
        status: 503,
        retryable: true,
        cause: error,
      },
    );
  }
  if (error instanceof joseErrors.JOSEError) {
    return unauthenticated(
      'malformed',
      'The token is malformed (not a signed JWT): send one as "Authorization: Bearer <token>".',
      error,
    );
  }
  return new SynclineError('internal', 'Token verification failed unexpectedly.', {
    status: 500,
    cause: error,
  });
}

function toContext(payload: JWTPayload): AuthContext {
  const sub = payload.sub;
  if (typeof sub !== 'string' || sub.length === 0) {
    throw unauthenticated(
      'no_subject',
      'The token has no "sub" claim: it must name the user it was issued to.',
    );
  }
  return { userId: sub, claims: { ...payload } };
}

/**
 * An {@link Authenticator} that verifies JWTs: HS256 with `secret`, or the keys served at
 * `jwksUrl` (fetched on first use, cached, refetched on an unknown `kid`). A missing, malformed,
 * forged or expired token, or one without `sub`, throws `SynclineError('unauthenticated')` with
 * status 401; an unreachable JWKS throws a retryable `unavailable` (503).
 *
 * @example
 * const auth = createJwtAuth({ secret: process.env.SYNCLINE_JWT_SECRET! });
 * const { userId } = await auth.verify(token);
 */
export function createJwtAuth(options: JwtAuthOptions): Authenticator {
  let key: Uint8Array | JWTVerifyGetKey;
  let algorithms: string[];
  if ('secret' in options) {
    key = secretKey(options.secret);
    algorithms = ['HS256'];
  } else {
    let url: URL;
    try {
      url = new URL(options.jwksUrl);
    } catch (cause) {
      throw new SynclineError('invalid', `The JWKS URL "${options.jwksUrl}" is not a valid URL.`, { cause });
    }
    key = createRemoteJWKSet(url);
    algorithms = ASYMMETRIC_ALGORITHMS;
  }
  const verifyOptions = {
    algorithms,
    clockTolerance: options.clockToleranceSeconds ?? 0,
    ...(options.issuer === undefined ? {} : { issuer: options.issuer }),
    ...(options.audience === undefined ? {} : { audience: options.audience }),
  };

  return {
    async verify(token) {
      if (token === null || token.trim() === '') {
        throw unauthenticated(
          'missing',
          'No token: send "Authorization: Bearer <token>" with every request.',
        );
      }
      let payload: JWTPayload;
      try {
        // Both branches call the same function; the split only satisfies jose's overloads.
        payload =
          key instanceof Uint8Array
            ? (await jwtVerify(token, key, verifyOptions)).payload
            : (await jwtVerify(token, key, verifyOptions)).payload;
      } catch (error) {
        throw toSynclineError(error, !(key instanceof Uint8Array));
      }
      return toContext(payload);
    },
  };
}

/**
 * Signs an HS256 token for `userId`, valid for `ttl` (seconds, or a jose duration such as `'12h'`).
 * For dev mode and tests; production tokens come from the app's identity provider.
 *
 * @example
 * const token = await signDevToken(secret, 'alice', '12h');
 */
export async function signDevToken(
  secret: string,
  userId: string,
  ttl: number | string = '12h',
): Promise<string> {
  if (userId.length === 0) throw new SynclineError('invalid', 'A token needs a non-empty user id.');
  const now = Math.floor(Date.now() / 1000);
  return (
    new SignJWT({})
      .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
      .setSubject(userId)
      .setIssuedAt(now)
      // jose reads a number as an absolute time, so a relative ttl in seconds is added to now.
      .setExpirationTime(typeof ttl === 'number' ? now + ttl : ttl)
      .sign(secretKey(secret))
  );
}
