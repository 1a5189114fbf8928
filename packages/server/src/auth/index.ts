export { DEV_SECRET_FILE, loadOrCreateDevSecret } from './dev-secret.ts';
export { type AuthSource, authFromEnv, type EnvAuth } from './env.ts';
export {
  createJwtAuth,
  type JwtAuthOptions,
  type JwtClaimChecks,
  MIN_SECRET_BYTES,
  signDevToken,
  type TokenRejection,
} from './jwt.ts';
