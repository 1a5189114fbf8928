// examples/auth/identity-provider.ts: tokens from your identity provider (Auth0, Cognito, Keycloak,
// Clerk, …), verified against its published keys (JWKS). `sub` is the user id; set `issuer` and
// `audience` so that tokens of other apps are refused. The CLI does this with SYNCLINE_JWKS_URL.
import { createJwtAuth } from '@syncline/server';

export function identityProviderAuth(issuer: string) {
  return createJwtAuth({
    jwksUrl: new URL('.well-known/jwks.json', issuer).href, // where your provider publishes its keys
    issuer,
    audience: 'https://api.example.com', // the API identifier your provider puts in `aud`
    clockToleranceSeconds: 30,
  });
}
