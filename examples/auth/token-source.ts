// examples/auth/token-source.ts: the client's `getToken`. It keeps the token it was given, asks
// your backend for a new one shortly before it expires, and at once when the server answered
// 401 (the engine then calls getToken({ forceRefresh: true }) and retries the request once).
export type FetchToken = () => Promise<{ token: string; expiresAt: number }>;

export function tokenSource(fetchToken: FetchToken, now: () => number = Date.now) {
  let current: { token: string; expiresAt: number } | null = null;
  return {
    async getToken({ forceRefresh }: { forceRefresh: boolean }): Promise<string> {
      if (forceRefresh || current === null || current.expiresAt - now() < 60_000)
        current = await fetchToken();
      return current.token;
    },
  };
}

// In a web app, fetchToken calls your own backend with the user's session cookie, e.g.
// tokenSource(async () => (await fetch('/api/sync-token', { credentials: 'include' })).json())
