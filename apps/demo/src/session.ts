/**
 * The signed-in user of the demo: a name picked on the sign-in screen and a dev token for it
 * from `POST /dev/token` (dev mode only). Kept in Cache Storage, which the page and the service
 * worker can both read, so a Background Sync push can authenticate with every tab closed.
 */

/** Who is signed in, and the token the sync API accepts for them. */
export interface Session {
  userId: string;
  token: string;
  /** Milliseconds since the epoch. */
  expiresAt: number;
}

const CACHE = 'syncline-demo-session';
const KEY = '/__session__';

/** Asks the dev server for a token for `userId`; throws with the server's message when refused. */
export async function requestToken(userId: string): Promise<Session> {
  const response = await fetch('/dev/token', {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ userId }),
  });
  const body = (await response.json()) as {
    token?: string;
    expiresAt?: string;
    error?: { message: string };
  };
  if (!response.ok || body.token === undefined || body.expiresAt === undefined) {
    throw new Error(body.error?.message ?? `The server refused a token (HTTP ${response.status}).`);
  }
  return { userId, token: body.token, expiresAt: Date.parse(body.expiresAt) };
}

/** The stored session, or null when nobody is signed in. */
export async function loadSession(): Promise<Session | null> {
  const cache = await caches.open(CACHE);
  const hit = await cache.match(KEY);
  return hit ? ((await hit.json()) as Session) : null;
}

/** Stores the session (replacing any earlier one). */
export async function saveSession(session: Session): Promise<void> {
  const cache = await caches.open(CACHE);
  await cache.put(
    KEY,
    new Response(JSON.stringify(session), { headers: { 'content-type': 'application/json' } }),
  );
}

/** Forgets the session (sign out). */
export async function clearSession(): Promise<void> {
  await caches.delete(CACHE);
}

/**
 * The client's `getToken`: the stored token while it is fresh, a new one from the dev server
 * shortly before it expires or when the server answered 401.
 */
export function sessionTokens(session: Session): {
  getToken(options: { forceRefresh: boolean }): Promise<string>;
} {
  let current = session;
  return {
    async getToken({ forceRefresh }) {
      if (forceRefresh || current.expiresAt - Date.now() < 60_000) {
        current = await requestToken(current.userId);
        await saveSession(current);
      }
      return current.token;
    },
  };
}
