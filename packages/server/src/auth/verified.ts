/**
 * Tokens an HS256 authenticator has verified, so the next requests bringing the same token (a
 * client sends one token with every push and pull until it refreshes it) skip the signature
 * check (a WebCrypto call on the thread pool, about 0.15 ms of CPU and an event-loop hop per
 * request, on the path of every realtime write). Only the exact token text hits. The time claims
 * are checked again on every use, as jose checks them, so a token still expires on time; an
 * expired one is dropped and verified in full, which answers the usual 401. Used only for keys of
 * the configuration: a JWKS may drop a key, and tokens signed with it must fail from then on.
 */
import type { JWTPayload } from 'jose';

/** Tokens kept; the oldest is dropped beyond it. */
const MAX_TOKENS = 1024;

export class VerifiedTokens {
  private readonly tokens = new Map<string, JWTPayload>();

  constructor(private readonly toleranceSeconds: number) {}

  /** The payload of `token` if it was verified and its time claims still hold at `atMs`. */
  get(token: string, atMs: number): JWTPayload | undefined {
    const payload = this.tokens.get(token);
    if (payload === undefined) return undefined;
    if (timeClaimsHold(payload, atMs, this.toleranceSeconds)) return payload;
    this.tokens.delete(token);
    return undefined;
  }

  /** Notes a token that passed every check. */
  add(token: string, payload: JWTPayload): void {
    if (this.tokens.size >= MAX_TOKENS) {
      const oldest = this.tokens.keys().next();
      if (!oldest.done) this.tokens.delete(oldest.value);
    }
    this.tokens.set(token, payload);
  }
}

/** jose's `exp` and `nbf` checks (whole seconds) and the authenticator's own `iat` check. */
function timeClaimsHold(payload: JWTPayload, atMs: number, tolerance: number): boolean {
  const now = Math.floor(atMs / 1000);
  if (typeof payload.exp === 'number' && payload.exp <= now - tolerance) return false;
  if (typeof payload.nbf === 'number' && payload.nbf > now + tolerance) return false;
  return !issuedInFuture(payload, atMs, tolerance);
}

/** jose checks `iat` only against a maximum age; the authenticator refuses one in the future. */
export function issuedInFuture(payload: JWTPayload, atMs: number, tolerance: number): boolean {
  return typeof payload.iat === 'number' && payload.iat > atMs / 1000 + tolerance;
}
