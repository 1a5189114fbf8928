/**
 * The in-memory servers of the benchmark, in one process on a free loopback port, all serving the
 * same bench rows (built once at start, so no database is on their path):
 *
 * - `GET /raw/rows?after=N&limit=L` — the raw baseline: pages of plain JSON rows.
 * - `GET /rxdb/pull?id=&updatedAt=&limit=` — RxDB's `replicateRxCollection` pull (checkpoint
 *   `{ id, updatedAt }`, documents in `(updatedAt, id)` order).
 * - `GET /watermelon/pull?last_pulled_at=` — WatermelonDB's `synchronize()` pull: every change
 *   in one answer (its protocol has no pages).
 * - `POST /sync/push` — the protocol ceiling of S3: Syncline's push protocol answered from memory
 *   (parse, version, answer), with no auth check beyond a bearer header, no rules, no database.
 *
 * Prints `{ "url": … }` when ready; SIGTERM closes it. Env: BENCH_ROWS (rows served).
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { type BenchRow, benchRow } from './rows.ts';

const count = Number(process.env.BENCH_ROWS ?? 0);
const rows: BenchRow[] = Array.from({ length: count }, (_, n) => benchRow(n));
// One fixed timestamp per row, increasing with n, for the peers' checkpoints.
const EPOCH = Date.UTC(2026, 0, 1);
const updatedAtOf = (n: number) => EPOCH + n;

function json(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
  res.end(text);
}

async function bodyOf(req: IncomingMessage): Promise<unknown> {
  const chunks: Buffer[] = [];
  for await (const c of req) chunks.push(c as Buffer);
  return JSON.parse(Buffer.concat(chunks).toString('utf8'));
}

/** Index of the first row after the checkpoint (rows are in id = updatedAt order). */
function indexAfter(id: string | null): number {
  if (!id) return 0;
  return Number(id.slice(1)) + 1;
}

// Versions count up per answer, as a server's would; nothing is kept (the ceiling stores nothing).
let counter = 0;

type PushBody = {
  mutations: Array<{
    seq: number;
    id: string;
    op: string;
    data?: Record<string, unknown>;
    patch?: Record<string, unknown>;
  }>;
};

const server = createServer((req, res) => {
  const url = new URL(req.url ?? '/', 'http://x');
  if (req.method === 'GET' && url.pathname === '/raw/rows') {
    const after = Number(url.searchParams.get('after') ?? 0);
    const limit = Number(url.searchParams.get('limit') ?? 1000);
    const page = rows.slice(after, after + limit);
    return json(res, 200, {
      rows: page,
      next: after + page.length < rows.length ? after + page.length : null,
    });
  }
  if (req.method === 'GET' && url.pathname === '/rxdb/pull') {
    const from = indexAfter(url.searchParams.get('id'));
    const limit = Number(url.searchParams.get('limit') ?? 1000);
    const documents = rows
      .slice(from, from + limit)
      .map((r) => ({ ...r, updatedAt: updatedAtOf(r.rank), _deleted: false }));
    const last = documents.at(-1);
    return json(res, 200, {
      documents,
      checkpoint: last ? { id: last.id, updatedAt: last.updatedAt } : (url.searchParams.get('id') ?? null),
    });
  }
  if (req.method === 'GET' && url.pathname === '/watermelon/pull') {
    const since = Number(url.searchParams.get('last_pulled_at') || 0);
    const created = since ? [] : rows;
    return json(res, 200, {
      changes: { tasks: { created, updated: [], deleted: [] } },
      timestamp: EPOCH + count + 1,
    });
  }
  if (req.method === 'POST' && url.pathname === '/sync/push') {
    if (!req.headers.authorization?.startsWith('Bearer '))
      return json(res, 401, { error: { code: 'unauthorized', message: 'no token' } });
    bodyOf(req).then(
      (body) => {
        const now = new Date().toISOString();
        const results = (body as PushBody).mutations.map((m) => {
          const version = ++counter;
          return {
            seq: m.seq,
            status: 'applied',
            record: { ...(m.data ?? m.patch), id: m.id, version, updatedAt: now, deletedAt: null },
          };
        });
        json(res, 200, { results });
      },
      () => json(res, 400, { error: { code: 'invalid', message: 'not JSON' } }),
    );
    return;
  }
  json(res, 404, { error: { code: 'not_found', message: `${req.method} ${url.pathname}` } });
});
server.keepAliveTimeout = 30_000;
server.listen(0, '127.0.0.1', () => {
  const address = server.address();
  if (!address || typeof address === 'string') throw new Error('no port');
  console.log(JSON.stringify({ url: `http://127.0.0.1:${address.port}` }));
});
process.on('SIGTERM', () => {
  server.close();
  server.closeAllConnections();
  process.exit(0);
});
