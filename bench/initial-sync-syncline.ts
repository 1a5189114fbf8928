/**
 * S1 for Syncline, in a fresh process: `store` — a new client on a new SQLite file pulls every row
 * (`client.pull()` resolves once they are committed, i.e. queryable); `store-gzip` — the same with
 * compressed answers; `wire` — the server's share: the same pull requests over HTTP with the
 * answers parsed and dropped, nothing stored. `store` and `wire` send `Accept-Encoding: identity`,
 * as the raw baselines' answers are not compressed either.
 * Prints `{ ms, rows, wireBytes, peakRssBytes }`. Args: <server url> <store|store-gzip|wire>; env BENCH_TOKEN.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createClient, fetchTransport } from '@syncline/client';
import { PROTOCOL_VERSION } from '@syncline/core';
import { createSqliteLocalStore } from '@syncline/store-sqlite';
import Database from 'better-sqlite3';
import { benchSchema } from './push-schema.ts';
import { printResult } from './result-line.ts';

const [url, mode] = process.argv.slice(2);
const token = process.env.BENCH_TOKEN;
if (!url || !token) throw new Error('usage: <server url> <store|wire>, BENCH_TOKEN set');
const PAGE = 1000;
let wireBytes = 0;

/** fetch with the mode's Accept-Encoding, counting the answers' bytes as sent (content-length). */
const countingFetch =
  (acceptEncoding: string): typeof fetch =>
  async (input, init) => {
    const headers = new Headers(init?.headers);
    headers.set('accept-encoding', acceptEncoding);
    const res = await fetch(input, { ...init, headers });
    wireBytes += Number(res.headers.get('content-length') ?? 0);
    return res;
  };

async function pullOverWire(): Promise<number> {
  let cursor: string | null = null;
  let rows = 0;
  for (;;) {
    const res = await countingFetch('identity')(`${url}/sync/pull`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
      body: JSON.stringify({
        protocol: PROTOCOL_VERSION,
        clientId: 'bench-wire',
        collections: { tasks: { cursor } },
        limit: PAGE,
      }),
    });
    if (res.status !== 200) throw new Error(`pull answered ${res.status}: ${await res.text()}`);
    const page = (await res.json()) as {
      collections: Record<string, { changes: unknown[]; cursor: string; hasMore: boolean }>;
    };
    const tasks = page.collections.tasks!;
    rows += tasks.changes.length;
    cursor = tasks.cursor;
    if (!tasks.hasMore) return rows;
  }
}

const dir = mkdtempSync(join(tmpdir(), 'syncline-bench-'));
try {
  if (mode === 'wire') {
    const t0 = performance.now();
    const rows = await pullOverWire();
    printResult({ ms: performance.now() - t0, rows, wireBytes });
  } else {
    const path = join(dir, 'client.db');
    const client = createClient({
      schema: benchSchema,
      transport: fetchTransport(`${url}/sync`, countingFetch(mode === 'store-gzip' ? 'gzip' : 'identity')),
      store: createSqliteLocalStore({ path }),
      auth: { getToken: () => token },
      realtime: false,
      pullLimit: PAGE,
    });
    await client.ready();
    const t0 = performance.now();
    await client.pull();
    const ms = performance.now() - t0;
    await client.close();
    const check = new Database(path, { readonly: true });
    const rows = (check.prepare('SELECT count(*) AS n FROM tasks WHERE _visible = 1').get() as { n: number })
      .n;
    check.close();
    printResult({ ms, rows, wireBytes });
  }
} finally {
  rmSync(dir, { recursive: true, force: true });
}
