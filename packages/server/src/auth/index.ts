export { DEV_SECRET_FILE, loadOrCreateDevSecret } from './dev-secret.ts';
export { type AuthFlags, type AuthSource, authFromEnv, type EnvAuth } from './env.ts';
export {
  createJwtAuth,
  DEV_TOKEN_ISSUER,
  type DevTokenOptions,
  type JwtAuthOptions,
  type JwtClaimChecks,
  type JwtKeys,
  MIN_SECRET_BYTES,
  signDevToken,
  type TokenRejection,
} from './jwt.ts';
export { MAX_USER_ID_LENGTH } from './user-id.ts';
