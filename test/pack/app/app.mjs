// The consumer app, run with plain `node app.mjs`: a server on SQLite and two clients on
// better-sqlite3 round-trip a write over loopback HTTP. Prints one JSON line for the test.
import { mkdtempSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createClient } from '@syncline/client';
import { createJwtAuth, createSyncServer, listen, signDevToken } from '@syncline/server';
import { createSqliteLocalStore } from '@syncline/store-sqlite';
import { rules, schema } from './schema.mjs';

const cache = createRequire(import.meta.url).cache;
const drivers = () =>
  Object.keys(cache).filter((p) => /[\\/]node_modules[\\/](better-sqlite3|pg)[\\/]/.test(p));
const driversAfterHandler = drivers().length;

const { createSqliteStore } = await import('@syncline/server/sqlite');
// What an Electron app's main process hands to webPreferences.preload.
const preload = createRequire(import.meta.url).resolve('@syncline/electron/preload');
const dir = mkdtempSync(join(tmpdir(), 'syncline-consumer-'));
const secret = 'consumer-app-secret-long-enough-for-hs256';
const store = createSqliteStore({ path: join(dir, 'server.db'), schema });
await store.migrate();
const server = createSyncServer({ schema, rules, store, auth: createJwtAuth({ secret }) });
const listener = await listen(server, { port: 0 });
const token = await signDevToken(secret, 'alice');
const open = (name) =>
  createClient({
    schema,
    url: `${listener.url}/sync`,
    store: createSqliteLocalStore({ path: join(dir, `${name}.db`) }),
    auth: { getToken: () => token },
  });
const a = open('a');
const b = open('b');
try {
  await a.ready();
  await b.ready();
  const list = await a.db.lists.insert({ name: 'Groceries', ownerId: 'alice' });
  await a.sync();
  await b.sync();
  const seen = await b.db.lists.get(list.id);
  console.log(
    JSON.stringify({
      node: process.version,
      driversAfterHandler,
      driversAfterSqliteStore: drivers().length,
      written: list.name,
      seen: seen?.name ?? null,
      version: seen?.version ?? null,
      preload: preload.split(/[\\/]/).slice(-3).join('/'),
    }),
  );
} finally {
  await a.close();
  await b.close();
  await listener.close();
  rmSync(dir, { recursive: true, force: true });
}
