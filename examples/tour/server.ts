// examples/tour/server.ts: the sync server inside your own Node program.
// Run it with `SYNCLINE_JWT_SECRET=$(openssl rand -base64 48) npm run tour:server` in this repository.
import { pathToFileURL } from 'node:url';
import { createJwtAuth, createSyncServer, type Logger, listen, scopeColumnsOf } from '@syncline/server';
import { createSqliteStore } from '@syncline/server/sqlite';
import { pino } from 'pino';
import { rules, schema } from './rules.ts';

/** Serves the tour on `port` (0 picks a free one), its data in the SQLite file at `path`. */
export async function startServer(options: {
  port: number;
  path: string;
  secret: string;
  logger?: Logger;
  report?: (error: unknown, where: string) => void;
}) {
  // The rules' scope columns get indexes and decide when a row leaves someone's view.
  const store = createSqliteStore({ path: options.path, schema, scopeColumns: scopeColumnsOf(rules) });
  await store.migrate();
  const server = createSyncServer({
    schema,
    rules,
    store,
    auth: createJwtAuth({ secret: options.secret }),
    logger: options.logger ?? pino(), // every 5xx is logged with its cause and request id
    // Unexpected errors (500s), e.g. for your error tracker; the answer carries the same requestId.
    onError: (error, request, { requestId }) => options.report?.(error, `${request.method} ${requestId}`),
  });
  return listen(server, { port: options.port }); // or mount server.handler (Fetch API) in any framework
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const listener = await startServer({
    port: Number(process.env.PORT ?? 8787),
    path: './data/tour.db',
    secret: process.env.SYNCLINE_JWT_SECRET!, // unset: a startup error that says so
  });
  process.on('SIGTERM', () => void listener.close());
}
