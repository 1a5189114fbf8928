import { SynclineError } from '@syncline/core';
import type { Authenticator } from '../api.ts';
import { loadOrCreateDevSecret } from './dev-secret.ts';
import { createJwtAuth } from './jwt.ts';

/** Where the token check of {@link authFromEnv} came from. */
export type AuthSource = 'secret' | 'jwks' | 'dev-secret';

export interface EnvAuth {
  auth: Authenticator;
  source: AuthSource;
  /** The HS256 secret dev tokens can be signed with; `null` with a JWKS (no private key here). */
  signingSecret: string | null;
}

/**
 * Configures token checks from the environment: `SYNCLINE_JWT_SECRET` (HS256) or
 * `SYNCLINE_JWKS_URL`. In dev mode, with neither set, a secret generated once and kept in
 * `dataDir` is used; outside dev mode, neither set is a startup error.
 *
 * @example
 * const { auth } = await authFromEnv(process.env, { dev: false, dataDir: './data' });
 */
export async function authFromEnv(
  env: Readonly<Record<string, string | undefined>>,
  options: { dev: boolean; dataDir: string },
): Promise<EnvAuth> {
  const secret = nonEmpty(env.SYNCLINE_JWT_SECRET);
  const jwksUrl = nonEmpty(env.SYNCLINE_JWKS_URL);
  if (secret !== undefined && jwksUrl !== undefined) {
    throw new SynclineError(
      'invalid',
      'Both SYNCLINE_JWT_SECRET and SYNCLINE_JWKS_URL are set. Set only one: the secret for HS256 tokens, or the JWKS URL for your identity provider.',
    );
  }
  if (secret !== undefined)
    return { auth: createJwtAuth({ secret }), source: 'secret', signingSecret: secret };
  if (jwksUrl !== undefined) return { auth: createJwtAuth({ jwksUrl }), source: 'jwks', signingSecret: null };
  if (!options.dev) {
    throw new SynclineError(
      'invalid',
      'No token check configured: set SYNCLINE_JWT_SECRET (HS256, at least 32 bytes) or SYNCLINE_JWKS_URL, or run with --dev for a local demo.',
    );
  }
  const devSecret = await loadOrCreateDevSecret(options.dataDir);
  return { auth: createJwtAuth({ secret: devSecret }), source: 'dev-secret', signingSecret: devSecret };
}

function nonEmpty(value: string | undefined): string | undefined {
  return value === undefined || value.trim() === '' ? undefined : value;
}
