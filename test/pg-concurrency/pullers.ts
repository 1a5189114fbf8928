/**
 * The two pullers of the concurrency test: the real one (POST /sync/pull over HTTP, the xid
 * watermark underneath) and a deliberately naive one kept as a negative control.
 */
import { PROTOCOL_VERSION } from '@syncline/core';
import pg from 'pg';
import type { Delivered } from './oracle.ts';
import { prng, sleep } from './prng.ts';

const PAGE = 100;

interface Change {
  id: string;
  version: number;
  n?: number | null;
  title?: string | null;
}

function delivered(c: Change): Delivered {
  return { id: c.id, version: c.version, n: c.n ?? null, title: c.title ?? null };
}

/**
 * The txid of a PostgreSQL store position inside a pull cursor: `<scope>.<position>` (decision
 * 0002) or, for protocol 2, `k2.<base64url JSON>` whose groups each hold a position (decision
 * 0012; this puller's keys never change, so there is one group). A position is
 * `<generation>:<txid>:<id>` (decision 0005). Test-only knowledge: clients treat cursors as opaque.
 */
export function cursorTxid(cursor: string): bigint {
  let position = cursor.slice(cursor.indexOf('.') + 1);
  if (cursor.startsWith('k2.')) {
    const state = JSON.parse(Buffer.from(position, 'base64url').toString('utf8')) as {
      g: Array<[string[], string | null]>;
    };
    position = state.g[0]?.[1] ?? '';
  }
  return BigInt(position.split(':')[1] ?? '0');
}

/**
 * Pulls continuously while `writing()`; then drains: pulls until a short page whose cursor is past
 * `drainPast()` (the largest xid any writer committed), i.e. the watermark passed the last commit.
 * Short pages are followed by a seeded 0–10 ms pause so the loop does not starve the writers of CPU.
 */
export async function syncPuller(
  syncUrl: string,
  seed: number,
  writing: () => boolean,
  drainPast: () => Promise<bigint>,
): Promise<{ delivered: Delivered[]; pulls: number }> {
  const rand = prng(seed * 4001);
  const out: Delivered[] = [];
  let cursor: string | null = null;
  let pulls = 0;
  const pullOnce = async (): Promise<boolean> => {
    pulls++;
    const res = await fetch(`${syncUrl}/pull`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: 'Bearer user:u' },
      body: JSON.stringify({
        protocol: PROTOCOL_VERSION,
        clientId: 'puller',
        collections: { items: { cursor } },
        limit: PAGE,
      }),
    });
    const body = (await res.json()) as {
      collections?: { items: { changes: Change[]; cursor: string; hasMore: boolean; reset: boolean } };
    };
    const page = body.collections?.items;
    if (res.status !== 200 || !page) throw new Error(`pull answered ${res.status}: ${JSON.stringify(body)}`);
    if (page.reset) throw new Error('pull answered reset');
    out.push(...page.changes.map(delivered));
    cursor = page.cursor;
    return page.hasMore;
  };
  while (writing()) if (!(await pullOnce())) await sleep(rand() * 10);
  const past = await drainPast();
  for (;;) {
    const hasMore = await pullOnce();
    if (!hasMore && cursor !== null && cursorTxid(cursor) > past) break;
    // Still short of the last commit: another session in the cluster holds the watermark back.
    if (!hasMore) await sleep(rand() * 10);
  }
  return { delivered: out, pulls };
}

/**
 * NEGATIVE CONTROL — a deliberately wrong cursor, never to be copied: pages by
 * `(updated_at, id) > cursor` (keyset on wall-clock time; stronger than a bare `updated_at >
 * cursor`, which would also lose rows tied at a page boundary, so every row it loses is lost to
 * commit order). A row written at t but committed after the cursor passed t is skipped for good.
 */
export async function naivePuller(
  url: string,
  pgSchema: string,
  seed: number,
  writing: () => boolean,
): Promise<{ delivered: Delivered[]; pulls: number }> {
  const rand = prng(seed * 5003);
  const c = new pg.Client({ connectionString: url, options: `-c search_path=${pgSchema} -c timezone=UTC` });
  await c.connect();
  const out: Delivered[] = [];
  let at = '-infinity';
  let lastId = '';
  let pulls = 0;
  const pullOnce = async (): Promise<boolean> => {
    pulls++;
    const { rows } = await c.query<{
      id: string;
      version: string;
      n: string | null;
      title: string | null;
      at: string;
    }>(
      `SELECT id, version, n, title, updated_at::text AS at FROM items
        WHERE (updated_at, id) > ($1::timestamptz, $2::text) ORDER BY updated_at, id LIMIT ${PAGE}`,
      [at, lastId],
    );
    for (const r of rows)
      out.push({
        id: r.id,
        version: Number(r.version),
        n: r.n === null ? null : Number(r.n),
        title: r.title,
      });
    const last = rows[rows.length - 1];
    if (last) {
      at = last.at;
      lastId = last.id;
    }
    return rows.length === PAGE;
  };
  try {
    while (writing()) if (!(await pullOnce())) await sleep(rand() * 10);
    // Every writer has committed: drain what the cursor can still see.
    while (await pullOnce());
  } finally {
    await c.end();
  }
  return { delivered: out, pulls };
}
