// examples/tour/client.ts: a Node client. Reads and writes are local; sync runs in the background.
import { createClient } from '@syncline/client';
import { createSqliteLocalStore } from '@syncline/store-sqlite';
import { schema } from './schema.ts';

/**
 * A client for one signed-in user, its data in the SQLite file at `path`. `getToken` returns the
 * user's token (see "Authentication in production"); `forceRefresh` is true after a 401.
 */
export function openClient(options: {
  url: string; // e.g. 'http://127.0.0.1:8787/sync': the server's origin and /sync
  path: string;
  getToken: (opts: { forceRefresh: boolean }) => Promise<string> | string;
}) {
  return createClient({
    schema,
    url: options.url,
    store: createSqliteLocalStore({ path: options.path }),
    auth: { getToken: options.getToken },
  });
}
