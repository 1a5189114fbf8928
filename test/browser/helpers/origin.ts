import { createJwtAuth, createSyncServer, signDevToken } from '@syncline/server';
import { createSqliteStore } from '@syncline/server/sqlite';
import { e2eRules, e2eSchema } from '../../helpers/schema.ts';
import { TEST_SECRET, tempDir } from '../../helpers/server.ts';
import { buildPages } from './build.ts';
import { serveOrigin, type TestOrigin } from './serve.ts';

/** The test app's origin with a real sync server on a temporary SQLite file behind it. */
export async function appOrigin() {
  const dir = tempDir('syncline-browser-');
  const store = createSqliteStore({ path: `${dir.path}/server.db`, schema: e2eSchema });
  await store.migrate();
  const sync = createSyncServer({
    schema: e2eSchema,
    rules: e2eRules,
    store,
    auth: createJwtAuth({ secret: TEST_SECRET }),
  });
  const origin: TestOrigin = await serveOrigin(await buildPages(), sync);
  return {
    origin,
    token: await signDevToken(TEST_SECRET, 'u1', 3600),
    /** Titles of the notes the server holds (every one, sorted). */
    serverTitles: async (prefix = '') =>
      (await store.read((db) => db.all<{ title: string }>('SELECT title FROM notes ORDER BY title')))
        .map((r) => r.title)
        .filter((t) => t.startsWith(prefix)),
    async close() {
      await origin.close();
      await sync.close();
      dir.cleanup();
    },
  };
}
