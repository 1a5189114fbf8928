/**
 * A real sync server on a fresh SQLite file (the conformance suite's schema and rules), served by
 * `listen()` on a loopback port, for tests of the listener. Push the returned cleanup into the
 * test's `afterEach` list; it closes the listener and removes the file.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Authenticator } from '../src/api.ts';
import { createJwtAuth } from '../src/auth/index.ts';
import { createSyncServer } from '../src/handler/index.ts';
import { type Listener, type ListenOptions, listen } from '../src/node/listen.ts';
import { suiteRules, suiteSchema } from '../src/stores/conformance/helpers.ts';
import { createSqliteStore } from '../src/stores/sqlite/index.ts';

export async function listenOnSqlite(
  secret: string,
  options: Omit<ListenOptions, 'port'>,
  auth: Authenticator = createJwtAuth({ secret }),
): Promise<{ listener: Listener; cleanup: () => Promise<void> }> {
  const dir = mkdtempSync(join(tmpdir(), 'syncline-listen-'));
  const store = createSqliteStore({ path: join(dir, 'db.sqlite'), schema: suiteSchema });
  await store.migrate();
  const server = createSyncServer({ schema: suiteSchema, rules: suiteRules, store, auth });
  const listener = await listen(server, { port: 0, ...options });
  return {
    listener,
    async cleanup() {
      await listener.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
