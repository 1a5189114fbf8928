import { SynclineError } from '@syncline/core';
import type { Authenticator } from '../api.ts';
import { loadOrCreateDevSecret } from './dev-secret.ts';
import { createJwtAuth, DEV_TOKEN_ISSUER, type JwtClaimChecks } from './jwt.ts';

/** Where the token check of {@link authFromEnv} came from. */
export type AuthSource = 'secret' | 'jwks' | 'dev-secret';

/**
 * What {@link authFromEnv} built: the authenticator, where its keys came from, and the secret dev
 * tokens are signed with (dev mode only).
 */
export interface EnvAuth {
  auth: Authenticator;
  /** The production key source, or `'dev-secret'` in dev mode without one. */
  source: AuthSource;
  /**
   * The HS256 secret dev tokens are signed with: the dev secret in dev mode, `null` otherwise.
   * Never the production secret, so a dev token is never valid on a production server.
   */
  signingSecret: string | null;
}

/** Token settings given on the command line; each wins over its environment variable. */
export interface AuthFlags {
  /** `--jwks-url` (else `SYNCLINE_JWKS_URL`). */
  jwksUrl?: string;
  /** `--jwt-issuer` (else `SYNCLINE_JWT_ISSUER`). */
  issuer?: string;
  /** `--jwt-audience`, comma-separated (else `SYNCLINE_JWT_AUDIENCE`). */
  audience?: string;
  /** `--jwt-clock-skew` in seconds (else `SYNCLINE_JWT_CLOCK_SKEW`, in seconds; default 0). */
  clockSkewSeconds?: number;
}

/**
 * Configures token checks from the environment: `SYNCLINE_JWT_SECRET` (HS256, optionally with
 * `SYNCLINE_JWT_KID`) or `SYNCLINE_JWKS_URL`, plus `SYNCLINE_JWT_ISSUER`, `SYNCLINE_JWT_AUDIENCE`
 * and `SYNCLINE_JWT_CLOCK_SKEW` (flags override them). Outside dev mode, neither key source is a
 * startup error.
 *
 * Dev mode signs its tokens (`iss: "syncline-dev"`) with a secret generated once and kept in
 * `dataDir`, never with `SYNCLINE_JWT_SECRET`; it accepts them, and tokens of the production key
 * source if one is configured. A production server refuses dev tokens twice over: another key,
 * and the dev issuer.
 *
 * @example
 * const { auth } = await authFromEnv(process.env, { dev: false, dataDir: './data' });
 */
export async function authFromEnv(
  env: Readonly<Record<string, string | undefined>>,
  options: { dev: boolean; dataDir: string } & AuthFlags,
): Promise<EnvAuth> {
  const secret = nonEmpty(env.SYNCLINE_JWT_SECRET);
  const kid = nonEmpty(env.SYNCLINE_JWT_KID);
  const jwksUrl = nonEmpty(options.jwksUrl) ?? nonEmpty(env.SYNCLINE_JWKS_URL);
  if (secret !== undefined && jwksUrl !== undefined) {
    throw new SynclineError(
      'invalid',
      'Both SYNCLINE_JWT_SECRET and a JWKS URL (SYNCLINE_JWKS_URL or --jwks-url) are set. Set only one: the secret for HS256 tokens, or the JWKS URL for your identity provider.',
    );
  }
  const checks = claimChecks(env, options);
  let production: Authenticator | null = null;
  let source: AuthSource = 'dev-secret';
  if (secret !== undefined) {
    production = createJwtAuth({ secret, ...(kid === undefined ? {} : { kid }), ...checks });
    source = 'secret';
  } else if (jwksUrl !== undefined) {
    production = createJwtAuth({ jwksUrl, ...checks });
    source = 'jwks';
  }
  if (!options.dev) {
    if (production === null) {
      throw new SynclineError(
        'invalid',
        'No token check configured: set SYNCLINE_JWT_SECRET (HS256, at least 32 bytes) or SYNCLINE_JWKS_URL, or run with --dev for a local demo.',
      );
    }
    return { auth: production, source, signingSecret: null };
  }
  const devSecret = await loadOrCreateDevSecret(options.dataDir);
  if (devSecret === secret) {
    throw new SynclineError(
      'invalid',
      'The dev secret in the data directory is SYNCLINE_JWT_SECRET: dev tokens would be valid in production. Delete the dev-secret file to generate a new one.',
    );
  }
  const dev = createJwtAuth({ secret: devSecret, acceptDevTokens: true });
  if (production === null) return { auth: dev, source, signingSecret: devSecret };
  const prod = production;
  return {
    auth: { verify: (token) => (issuerOf(token) === DEV_TOKEN_ISSUER ? dev : prod).verify(token) },
    source,
    signingSecret: devSecret,
  };
}

function claimChecks(env: Readonly<Record<string, string | undefined>>, flags: AuthFlags): JwtClaimChecks {
  const issuer = nonEmpty(flags.issuer) ?? nonEmpty(env.SYNCLINE_JWT_ISSUER);
  const audienceText = nonEmpty(flags.audience) ?? nonEmpty(env.SYNCLINE_JWT_AUDIENCE);
  const audience = audienceText
    ?.split(',')
    .map((a) => a.trim())
    .filter((a) => a !== '');
  let skew = flags.clockSkewSeconds;
  const skewText = nonEmpty(env.SYNCLINE_JWT_CLOCK_SKEW);
  if (skew === undefined && skewText !== undefined) {
    skew = /^\d{1,5}$/.test(skewText.trim()) ? Number(skewText) : Number.NaN;
    if (Number.isNaN(skew)) {
      throw new SynclineError(
        'invalid',
        `SYNCLINE_JWT_CLOCK_SKEW must be a whole number of seconds, got "${skewText}".`,
      );
    }
  }
  return {
    ...(issuer === undefined ? {} : { issuer }),
    ...(audience === undefined || audience.length === 0 ? {} : { audience }),
    ...(skew === undefined ? {} : { clockToleranceSeconds: skew }),
  };
}

/** The unverified `iss` of a JWT, only to pick which verifier checks it; null when it has none. */
function issuerOf(token: string | null): string | null {
  const payload = token?.split('.')[1];
  if (payload === undefined) return null;
  try {
    const claims: unknown = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8'));
    const iss = typeof claims === 'object' && claims !== null ? (claims as { iss?: unknown }).iss : null;
    return typeof iss === 'string' ? iss : null;
  } catch {
    return null;
  }
}

function nonEmpty(value: string | undefined): string | undefined {
  return value === undefined || value.trim() === '' ? undefined : value;
}
