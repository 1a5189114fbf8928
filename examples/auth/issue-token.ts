// examples/auth/issue-token.ts: your backend signs a short-lived token for a signed-in user.
// The sync server verifies it with the same secret (SYNCLINE_JWT_SECRET, at least 32 bytes).
import { SignJWT } from 'jose';

/** A token for `userId` (the `sub` claim), valid for `ttlSeconds`; extra claims reach your rules. */
export async function issueSyncToken(secret: string, userId: string, ttlSeconds = 15 * 60) {
  const expiresAt = Math.floor(Date.now() / 1000) + ttlSeconds;
  const token = await new SignJWT({ role: 'member' }) // read in rules as auth.claims.role
    .setProtectedHeader({ alg: 'HS256' })
    .setSubject(userId)
    .setIssuedAt()
    .setExpirationTime(expiresAt)
    .sign(new TextEncoder().encode(secret));
  return { token, expiresAt: expiresAt * 1000 };
}
