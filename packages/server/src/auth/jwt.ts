/**
 * Bearer-token verification with `jose`: HS256 with a shared secret, or asymmetric keys from a
 * remote JWKS. The token's `sub` is the user id (ARCHITECTURE.md §9.1).
 */
import { SynclineError } from '@syncline/core';
import {
  createRemoteJWKSet,
  type FlattenedJWSInput,
  type JWTHeaderParameters,
  type JWTPayload,
  errors as joseErrors,
  jwtVerify,
  SignJWT,
} from 'jose';
import type { AuthContext, Authenticator } from '../api.ts';
import { userIdProblem } from './user-id.ts';
import { issuedInFuture, VerifiedTokens } from './verified.ts';

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
  /** Seconds of clock skew tolerated for `exp`, `nbf` and `iat`; default 0. */
  clockToleranceSeconds?: number;
  /** The clock, in ms since the epoch (default `Date.now`); tests inject one. */
  now?: () => number;
  /**
   * Accept tokens whose `iss` is {@link DEV_TOKEN_ISSUER} (minted by `syncline serve --dev`).
   * Default false: a production server refuses dev tokens even if they were signed with its key.
   */
  acceptDevTokens?: boolean;
}

/** Where the verification keys come from. */
export type JwtKeys =
  /** HS256 with one shared secret. With `kid`, a token must name that `kid`. */
  | { secret: string; kid?: string }
  /** HS256 with several secrets (rotation): a token must name one of their `kid`s. */
  | { secrets: ReadonlyArray<{ kid: string; secret: string }> }
  /**
   * Asymmetric keys (RS256, PS256, ES256, EdDSA, …) served as a JWKS by the identity provider:
   * fetched on first use, cached (`cacheMaxAgeMs`, default 10 min), refetched when a token names an
   * unknown `kid` (at most once per `cooldownMs`, default 30 s). A token must carry a `kid`.
   */
  | { jwksUrl: string; cacheMaxAgeMs?: number; cooldownMs?: number; timeoutMs?: number };

/**
 * Options of {@link createJwtAuth}: where the keys come from (an HS256 `secret` or a `jwksUrl`) and
 * which claims a token must carry.
 */
export type JwtAuthOptions = JwtKeys & JwtClaimChecks;

/** The `iss` of tokens minted by dev mode (`POST /dev/token`); refused unless `acceptDevTokens`. */
export const DEV_TOKEN_ISSUER = 'syncline-dev';

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
  const sub: unknown = payload.sub;
  if (typeof sub !== 'string' || sub.length === 0) {
    throw unauthenticated(
      'no_subject',
      'The token has no "sub" claim: it must name the user it was issued to.',
    );
  }
  // The user id reaches SQL: U+0000 or a lone surrogate would fail or change on the way.
  const problem = userIdProblem(sub);
  if (problem !== null) throw unauthenticated('no_subject', `The token's "sub" claim ${problem}`);
  return { userId: sub, claims: { ...payload } };
}

/** How one configuration picks the key for a token's header. */
interface KeySource {
  algorithms: string[];
  remote: boolean;
  key: (
    header: JWTHeaderParameters,
    token: FlattenedJWSInput,
  ) => Promise<Uint8Array | CryptoKey> | Uint8Array;
}

function keySource(options: JwtKeys): KeySource {
  if ('jwksUrl' in options) {
    let url: URL;
    try {
      url = new URL(options.jwksUrl);
    } catch (cause) {
      throw new SynclineError('invalid', `The JWKS URL "${options.jwksUrl}" is not a valid URL.`, { cause });
    }
    const jwks = createRemoteJWKSet(url, {
      ...(options.cacheMaxAgeMs === undefined ? {} : { cacheMaxAge: options.cacheMaxAgeMs }),
      ...(options.cooldownMs === undefined ? {} : { cooldownDuration: options.cooldownMs }),
      ...(options.timeoutMs === undefined ? {} : { timeoutDuration: options.timeoutMs }),
    });
    return {
      algorithms: ASYMMETRIC_ALGORITHMS,
      remote: true,
      key: (header, token) => {
        // Without a kid, jose would try whichever key fits the algorithm: keys are matched by kid only.
        if (typeof header.kid !== 'string' || header.kid === '') {
          throw unauthenticated(
            'unknown_key',
            'The token has no "kid" header: it must name the key it was signed with.',
          );
        }
        return jwks(header, token);
      },
    };
  }
  if ('secrets' in options) {
    if (options.secrets.length === 0) {
      throw new SynclineError('invalid', 'No JWT secrets configured: give at least one { kid, secret }.');
    }
    const byKid = new Map(options.secrets.map(({ kid, secret }) => [kid, hmacKey(secretKey(secret))]));
    return { algorithms: ['HS256'], remote: false, key: (header) => keyForKid(byKid, header) };
  }
  const key = hmacKey(secretKey(options.secret));
  if (options.kid === undefined) return { algorithms: ['HS256'], remote: false, key: () => key() };
  const byKid = new Map([[options.kid, key]]);
  return { algorithms: ['HS256'], remote: false, key: (header) => keyForKid(byKid, header) };
}

/**
 * The secret as an HS256 verification key, imported on first use and kept: given the bytes,
 * jose would import them again for every token (every request).
 */
function hmacKey(secret: Uint8Array): () => Promise<CryptoKey> {
  let key: Promise<CryptoKey> | null = null;
  return () => {
    key ??= crypto.subtle.importKey('raw', new Uint8Array(secret), { name: 'HMAC', hash: 'SHA-256' }, false, [
      'verify',
    ]);
    return key;
  };
}

/** With keys configured by kid, the token's kid must name one: an unknown or missing kid is refused. */
function keyForKid(
  byKid: ReadonlyMap<string, () => Promise<CryptoKey>>,
  header: JWTHeaderParameters,
): Promise<CryptoKey> {
  const key = typeof header.kid === 'string' ? byKid.get(header.kid) : undefined;
  if (key === undefined)
    throw unauthenticated('unknown_key', 'The token was signed with a key this server does not know.');
  return key();
}

/**
 * An {@link Authenticator} that verifies JWTs (see {@link JwtKeys} for the key sources). Checked:
 * the signature with an allowed algorithm only (`HS256` for secrets; asymmetric ones for a JWKS,
 * so `alg: none` and HS/RS confusion never verify), the `kid` where keys have kids, `exp`, `nbf`
 * and `iat` (not in the future) within `clockToleranceSeconds`, `iss` and `aud` when configured,
 * and `sub` (a non-empty string of at most 255 characters without U+0000 or lone surrogates).
 * Any failure throws `SynclineError('unauthenticated')` with status 401; an unreachable JWKS
 * throws a retryable `unavailable` (503).
 *
 * @example
 * const auth = createJwtAuth({ secret: process.env.SYNCLINE_JWT_SECRET! });
 * const idp = createJwtAuth({ jwksUrl: 'https://id.example/.well-known/jwks.json', issuer: 'https://id.example', audience: 'my-app' });
 * const { userId } = await auth.verify(token);
 */
export function createJwtAuth(options: JwtAuthOptions): Authenticator {
  const source = keySource(options);
  const tolerance = options.clockToleranceSeconds ?? 0;
  if (!Number.isFinite(tolerance) || tolerance < 0) {
    throw new SynclineError('invalid', 'clockToleranceSeconds must be a number of seconds, at least 0.');
  }
  const now = options.now ?? Date.now;
  // Keys of the configuration only: a JWKS may drop a key (verified.ts).
  const verified = source.remote ? null : new VerifiedTokens(tolerance);
  const checks = {
    algorithms: source.algorithms,
    clockTolerance: tolerance,
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
      const at = now();
      const known = verified?.get(token, at);
      if (known !== undefined) return toContext(known);
      let payload: JWTPayload;
      try {
        payload = (await jwtVerify(token, source.key, { ...checks, currentDate: new Date(at) })).payload;
      } catch (error) {
        throw toSynclineError(error, source.remote);
      }
      if (issuedInFuture(payload, at, tolerance)) {
        throw unauthenticated(
          'claims',
          'The token was rejected: it is issued in the future ("iat"). Check the clocks.',
        );
      }
      if (payload.iss === DEV_TOKEN_ISSUER && options.acceptDevTokens !== true) {
        throw unauthenticated(
          'claims',
          'This is a dev-mode token (from syncline serve --dev): this server does not accept it.',
        );
      }
      const context = toContext(payload);
      verified?.add(token, payload);
      return context;
    },
  };
}

/** What {@link signDevToken} puts in a token besides `sub`, `iat` and `exp`. */
export interface DevTokenOptions {
  /** `iss`; dev mode sets {@link DEV_TOKEN_ISSUER}. */
  issuer?: string;
  /** `kid` header, for servers that configure secrets by kid. */
  kid?: string;
  /** The clock, in ms since the epoch (default `Date.now`), for `iat` and a ttl in seconds. */
  now?: () => number;
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
  options: DevTokenOptions = {},
): Promise<string> {
  if (userId.length === 0) throw new SynclineError('invalid', 'A token needs a non-empty user id.');
  const now = Math.floor((options.now ?? Date.now)() / 1000);
  const jwt = new SignJWT({})
    .setProtectedHeader({
      alg: 'HS256',
      typ: 'JWT',
      ...(options.kid === undefined ? {} : { kid: options.kid }),
    })
    .setSubject(userId)
    .setIssuedAt(now)
    // jose reads a number as an absolute time, so a relative ttl in seconds is added to now.
    .setExpirationTime(typeof ttl === 'number' ? now + ttl : ttl);
  if (options.issuer !== undefined) jwt.setIssuer(options.issuer);
  return jwt.sign(secretKey(secret));
}
