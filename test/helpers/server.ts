import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { SchemaDef } from '@syncline/core';
import type { Rules, ServerStore } from '@syncline/server';
import { createJwtAuth, createSyncServer, listen, signDevToken } from '@syncline/server';
import { createSqliteStore } from '@syncline/server/sqlite';

export const TEST_SECRET = 'e2e-secret-that-is-long-enough-for-hs256!';

/** A temp directory removed by `cleanup()`. */
export function tempDir(prefix = 'syncline-e2e-'): { path: string; cleanup(): void } {
  const path = mkdtempSync(join(tmpdir(), prefix));
  return { path, cleanup: () => rmSync(path, { recursive: true, force: true }) };
}

/** A real sync server on a SQLite file, listening on a loopback port. */
export async function startServer(opts: {
  dbPath: string;
  schema: SchemaDef;
  rules: Rules;
  limits?: Record<string, number>;
}) {
  const store = createSqliteStore({ path: opts.dbPath, schema: opts.schema });
  return serveStore({ ...opts, store });
}

/** A real sync server on `store` (migrated here), verifying TEST_SECRET tokens, on a loopback port. */
export async function serveStore<S extends ServerStore>(opts: {
  store: S;
  schema: SchemaDef;
  rules: Rules;
  limits?: Record<string, number>;
}) {
  const { store } = opts;
  await store.migrate();
  const server = createSyncServer({
    schema: opts.schema,
    rules: opts.rules,
    store,
    auth: createJwtAuth({ secret: TEST_SECRET }),
    ...(opts.limits ? { limits: opts.limits } : {}),
  });
  const listener = await listen(server, { port: 0 });
  return {
    server,
    store,
    url: `${listener.url}/sync`,
    token: (userId: string) => signDevToken(TEST_SECRET, userId, 3600),
    /** Closes the listener, the sync server and its store. */
    close: () => listener.close(),
  };
}
