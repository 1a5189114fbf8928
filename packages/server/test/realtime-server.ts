/**
 * A sync server with its realtime socket on `listen()` (port 0) over a real SQLite store, for
 * the socket tests: `serveRealtime()` registers its cleanup with `afterEach` of the calling file.
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { SchemaDef } from '@syncline/core';
import { afterEach } from 'vitest';
import type { Authenticator, RealtimeOptions, Rules } from '../src/api.ts';
import { createJwtAuth, signDevToken } from '../src/auth/index.ts';
import { createSyncServer } from '../src/handler/index.ts';
import { type Listener, type ListenOptions, listen } from '../src/node/listen.ts';
import { suiteRules, suiteSchema } from '../src/stores/conformance/helpers.ts';
import { createSqliteStore, type SqliteStore } from '../src/stores/sqlite/index.ts';
import { openSocket, type TestSocket, wsUrl } from './socket-client.ts';

const SECRET = randomBytes(32).toString('hex');
const cleanups: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

export interface RealtimeServeOptions {
  schema?: SchemaDef;
  rules?: Rules;
  /** Default: HS256 with this file's secret (the one `token()` signs with). */
  auth?: Authenticator;
  listen?: Omit<ListenOptions, 'port'>;
}

/** Starts a server (heartbeat 200 ms unless `realtime` says otherwise); stopped after the test. */
export async function serveRealtime(realtime: RealtimeOptions = {}, opts: RealtimeServeOptions = {}) {
  const dir = mkdtempSync(join(tmpdir(), 'syncline-ws-'));
  const schema = opts.schema ?? suiteSchema;
  const store: SqliteStore = createSqliteStore({ path: join(dir, 'db.sqlite'), schema });
  await store.migrate();
  const server = createSyncServer({
    schema,
    rules: opts.rules ?? suiteRules,
    store,
    auth: opts.auth ?? createJwtAuth({ secret: SECRET }),
    realtime: { heartbeatMs: 200, ...realtime },
  });
  const listener: Listener = await listen(server, { port: 0, ...opts.listen });
  cleanups.push(
    () => listener.close(),
    () => rmSync(dir, { recursive: true, force: true }),
  );
  const sockets: TestSocket[] = [];
  cleanups.push(() => {
    for (const s of sockets) s.ws.terminate();
  });
  return {
    server,
    store,
    listener,
    token: (user: string, ttl: number | string = '1h') => signDevToken(SECRET, user, ttl),
    async socket() {
      const s = await openSocket(wsUrl(listener.url));
      sockets.push(s);
      return s;
    },
  };
}

/** Signs a dev-style token with the secret `serveRealtime()`'s default auth verifies. */
export const realtimeToken = (user: string, ttl: number | string = '1h') => signDevToken(SECRET, user, ttl);
