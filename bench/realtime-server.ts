/**
 * The server process of the realtime benchmark: one sync server (SQLite file, or PostgreSQL with
 * BENCH_DB_URL and BENCH_PG_SCHEMA) on a free loopback port, seeded with BENCH_LISTS lists of
 * BENCH_LIST_SIZE members (users u0…, list l0…) plus the writer `w` in every list. Prints one JSON
 * line `{ "url": … }` when ready; SIGTERM closes it. `GET /bench/memory` runs a full GC (start
 * with --expose-gc) and answers heap and RSS bytes and the open sockets.
 */
import { createJwtAuth, createSyncServer, listen, type ServerStore } from '@syncline/server';
import { createPostgresStore } from '@syncline/server/postgres';
import { createSqliteStore } from '@syncline/server/sqlite';
import { WebSocket } from 'ws';
import { rtRules, rtSchema, rtScopeColumns } from './realtime-schema.ts';
import { mark, traceTo, tracing } from './trace.ts';

const secret = process.env.BENCH_SECRET;
if (!secret) throw new Error('BENCH_SECRET is required.');
const lists = Number(process.env.BENCH_LISTS ?? 100);
const size = Number(process.env.BENCH_LIST_SIZE ?? 10);

const store: ServerStore = process.env.BENCH_DB_URL
  ? createPostgresStore({
      connectionString: process.env.BENCH_DB_URL,
      schema: rtSchema,
      pgSchema: process.env.BENCH_PG_SCHEMA!,
      scopeColumns: rtScopeColumns,
    })
  : createSqliteStore({ path: process.env.BENCH_SQLITE!, schema: rtSchema, scopeColumns: rtScopeColumns });
await store.migrate();
await store.write(async (tx) => {
  for (let l = 0; l < lists; l++) {
    await tx.insertRecord('members', `w-${l}`, { listId: `l${l}`, userId: 'w' });
    for (let m = 0; m < size; m++) {
      const u = l * size + m;
      await tx.insertRecord('members', `m-${u}`, { listId: `l${l}`, userId: `u${u}` });
    }
  }
});
if (tracing) {
  traceTo('server');
  const write = store.write.bind(store);
  store.write = async (fn) => {
    mark('write-begin');
    const out = await write(async (tx) => {
      const r = await fn(tx);
      mark('write-fn-end');
      return r;
    });
    mark('write-end');
    return out;
  };
  const send = WebSocket.prototype.send;
  WebSocket.prototype.send = function (this: WebSocket, ...args: Parameters<WebSocket['send']>) {
    mark('ws-send');
    return send.apply(this, args);
  } as WebSocket['send'];
}
const sync = createSyncServer({
  schema: rtSchema,
  rules: rtRules,
  store,
  auth: createJwtAuth({ secret }),
  onError: (err) => console.error('server error', err),
});
const server: typeof sync = tracing
  ? Object.assign(Object.create(sync) as typeof sync, {
      handler: async (request: Request) => {
        const path = `${new URL(request.url).pathname.replace(/^\/sync/, '')}:${userOf(request)}`;
        mark(`req${path}`);
        const res = await sync.handler(request);
        mark(`res${path}`);
        return res;
      },
    })
  : sync;
/** The token's subject, for the trace (not verified: the handler does that). */
function userOf(request: Request): string {
  const payload = request.headers.get('authorization')?.split('.')[1];
  if (!payload) return '?';
  return (JSON.parse(Buffer.from(payload, 'base64url').toString()) as { sub?: string }).sub ?? '?';
}
const gc = (globalThis as { gc?: () => void }).gc;
const listener = await listen(server, {
  port: 0,
  extraRoutes: [
    {
      method: 'GET',
      path: '/bench/memory',
      handler: () => {
        for (let i = 0; i < 3; i++) gc?.();
        const m = process.memoryUsage();
        return Response.json({
          gc: gc !== undefined,
          heapUsed: m.heapUsed,
          rss: m.rss,
          external: m.external,
          sockets: server.realtime?.stats().connections ?? 0,
          pokes: server.realtime?.stats().pokes ?? 0,
        });
      },
    },
  ],
});
console.log(JSON.stringify({ url: listener.url }));
const stop = () => {
  void listener.close().then(() => process.exit(0));
};
process.on('SIGTERM', stop);
// The parent holds stdin open: when it goes away (even killed), so does this server.
process.stdin.on('close', stop);
process.stdin.resume();
