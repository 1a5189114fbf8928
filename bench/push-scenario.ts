/**
 * S3, server push throughput: N concurrent clients pushing 500-mutation batches over HTTP
 * (`push-load.ts`) to one Syncline server process on SQLite or on PostgreSQL (a fresh pg schema,
 * dropped afterwards), or to the in-memory protocol ceiling of `fixture-server.ts`; and the plain
 * multi-row INSERT baseline through pg. Used by `npm run bench` (S3) and `npm run bench:push`.
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PROTOCOL_VERSION } from '@syncline/core';
import { signDevToken } from '@syncline/server';
import pg from 'pg';
import { WebSocket } from 'ws';
import { startService, tsNode } from './child.ts';
import { baselineInsert } from './push-baseline.ts';
import type { BatchPlan, Push, RunResult } from './push-load.ts';
import { runClients } from './push-load.ts';

export interface PushRun {
  run: RunResult;
  /** CPU time of the server process during the measured phase, in ms (absent for the ceiling). */
  serverCpuMs?: number;
  /** PostgreSQL only, when asked: plain multi-row INSERTs of the same rows into the same table. */
  baseline?: RunResult;
}

async function tokensFor(secret: string, clients: number): Promise<string[]> {
  return Promise.all(Array.from({ length: clients }, (_, i) => signDevToken(secret, `user${i}`, 3600)));
}

function pusher(baseUrl: string, tokens: readonly string[]): Push {
  return async (client, body) => {
    const res = await fetch(`${baseUrl}/sync/push`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${tokens[client]}` },
      body: JSON.stringify({ protocol: PROTOCOL_VERSION, ...(body as object) }),
    });
    if (res.status !== 200) throw new Error(`push answered ${res.status}: ${await res.text()}`);
    return (await res.json()) as Awaited<ReturnType<Push>>;
  };
}

/** Pushes to a Syncline server process on `store`; `dbUrl` is needed for PostgreSQL. */
export async function pushToSyncline(
  store: 'sqlite' | 'postgres',
  plan: BatchPlan,
  opts: {
    dbUrl?: string;
    pool?: number;
    nodeArgs?: readonly string[];
    baseline?: boolean;
    /** Realtime sockets held open during the pushes, shared round-robin by the pushing users. */
    sockets?: number;
  } = {},
): Promise<PushRun> {
  const secret = randomBytes(32).toString('hex');
  const dir = mkdtempSync(join(tmpdir(), 'syncline-bench-push-'));
  const pgSchema = `sl_bench_${randomBytes(4).toString('hex')}`;
  const env: Record<string, string> = { BENCH_STORE: store, BENCH_SECRET: secret };
  if (store === 'sqlite') env.BENCH_SQLITE_PATH = join(dir, 'server.db');
  else {
    if (!opts.dbUrl) throw new Error('PostgreSQL push needs a database URL.');
    Object.assign(env, {
      BENCH_DB_URL: opts.dbUrl,
      BENCH_PG_SCHEMA: pgSchema,
      BENCH_POOL: String(opts.pool ?? 10),
    });
  }
  const argv = tsNode('./sync-server.ts');
  argv.splice(1, 0, ...(opts.nodeArgs ?? []));
  const server = await startService<{ url: string }>({ argv, env }, 60_000);
  try {
    const cpu = async () =>
      (await (await fetch(`${server.info.url}/bench/cpu`)).json()) as { user: number; system: number };
    const tokens = await tokensFor(secret, plan.clients);
    const push = pusher(server.info.url, tokens);
    await openSockets(server.info.url, tokens, opts.sockets ?? 0);
    const before = await cpu();
    const run = await runClients(plan, push);
    const after = await cpu();
    const result: PushRun = {
      run,
      serverCpuMs: (after.user - before.user + after.system - before.system) / 1000,
    };
    if (store === 'postgres' && opts.baseline)
      result.baseline = await baselineInsert(opts.dbUrl!, pgSchema, plan);
    return result;
  } finally {
    for (const ws of openedSockets.splice(0)) ws.terminate();
    await server.stop();
    rmSync(dir, { recursive: true, force: true });
    if (store === 'postgres') {
      const admin = new pg.Client({ connectionString: opts.dbUrl });
      await admin.connect();
      await admin.query(`DROP SCHEMA IF EXISTS ${pgSchema} CASCADE`);
      await admin.end();
    }
  }
}

const openedSockets: WebSocket[] = [];

/**
 * Opens `count` realtime sockets (hello as the pushing users, round-robin) and waits for every
 * welcome; each push then pokes its user's sockets. They never pull: the cost measured is the
 * server's change feed and fan-out, not the pulls a client would make.
 */
async function openSockets(baseUrl: string, tokens: readonly string[], count: number): Promise<number> {
  const url = `${baseUrl.replace(/^http/, 'ws')}/sync/ws`;
  await Promise.all(
    Array.from(
      { length: count },
      (_, i) =>
        new Promise<void>((resolve, reject) => {
          const ws = new WebSocket(url, { perMessageDeflate: false });
          openedSockets.push(ws);
          ws.once('open', () =>
            ws.send(
              JSON.stringify({
                type: 'hello',
                protocol: PROTOCOL_VERSION,
                clientId: `bench-socket-${i}`,
                token: tokens[i % tokens.length],
                collections: ['tasks'],
              }),
            ),
          );
          ws.on('message', (data) => {
            const msg = JSON.parse(String(data)) as { type: string };
            if (msg.type === 'welcome') resolve();
            if (msg.type === 'ping') ws.send('{"type":"pong"}');
          });
          ws.once('close', (code) => reject(new Error(`socket ${i} closed ${code} before its welcome`)));
          ws.once('error', reject);
        }),
    ),
  );
  return count;
}

/** Pushes to the in-memory server of the same protocol: the ceiling of the protocol over HTTP here. */
export async function pushToCeiling(plan: BatchPlan): Promise<PushRun> {
  const server = await startService<{ url: string }>({ argv: tsNode('./fixture-server.ts') }, 30_000);
  try {
    const tokens = Array.from({ length: plan.clients }, (_, i) => `ceiling-${i}`);
    return { run: await runClients(plan, pusher(server.info.url, tokens)) };
  } finally {
    await server.stop();
  }
}

/** Whether PostgreSQL answers at `url` (S3 on PostgreSQL is skipped, and says so, when not). */
export async function postgresAnswers(url: string): Promise<string | null> {
  const c = new pg.Client({ connectionString: url, connectionTimeoutMillis: 3000 });
  try {
    await c.connect();
    const v = (await c.query('SHOW server_version')).rows[0] as { server_version: string };
    const s = (await c.query('SHOW synchronous_commit')).rows[0] as { synchronous_commit: string };
    return `${v.server_version} (synchronous_commit=${s.synchronous_commit})`;
  } catch {
    return null;
  } finally {
    await c.end().catch(() => {});
  }
}
