export { loadOrCreateDevSecret, DEV_SECRET_FILE } from './dev-secret.ts';
export { authFromEnv, type AuthSource, type EnvAuth } from './env.ts';
export { createJwtAuth, signDevToken, MIN_SECRET_BYTES, type JwtAuthOptions, type JwtClaimChecks } from './jwt.ts';
