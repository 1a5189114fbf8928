/**
 * Writes the server's rows the way another device would: dev tokens and pushes of at most the
 * server's `maxMutationsPerPush` (20,000 tasks are 40 requests, not 20,000 clicks).
 */

/** One insert of a push. */
export interface Insert {
  collection: 'lists' | 'tasks' | 'members';
  id: string;
  data: Record<string, unknown>;
}

/** A dev token for `userId` from the demo server. */
export async function devToken(url: string, userId: string): Promise<string> {
  const response = await fetch(`${url}/dev/token`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ userId }),
  });
  if (!response.ok) throw new Error(`/dev/token answered ${response.status}`);
  return ((await response.json()) as { token: string }).token;
}

let clients = 0;

/** Pushes `inserts` as `userId`, in order, in pushes of at most 500; throws on any refusal. */
export async function seed(url: string, userId: string, inserts: readonly Insert[]): Promise<void> {
  const token = await devToken(url, userId);
  const clientId = `seed-${process.pid}-${++clients}`;
  for (let start = 0; start < inserts.length; start += 500) {
    const mutations = inserts
      .slice(start, start + 500)
      .map((m, i) => ({ seq: start + i + 1, op: 'insert', ...m }));
    const response = await fetch(`${url}/sync/push`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: JSON.stringify({ protocol: 1, clientId, mutations }),
    });
    const body = (await response.json()) as { results?: { status: string }[] };
    const refused = body.results?.filter((r) => r.status !== 'applied') ?? [];
    if (!response.ok || refused.length > 0) {
      throw new Error(`seed push answered ${response.status}: ${JSON.stringify(body).slice(0, 500)}`);
    }
  }
}

/** The titles of the tasks `userId` can read on the server, sorted (one pull from the start). */
export async function serverTaskTitles(url: string, userId: string): Promise<string[]> {
  const token = await devToken(url, userId);
  const titles: string[] = [];
  let cursor: string | null = null;
  for (;;) {
    const response = await fetch(`${url}/sync/pull`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: JSON.stringify({
        protocol: 1,
        clientId: `reader-${process.pid}`,
        collections: { tasks: { cursor } },
      }),
    });
    const body = (await response.json()) as {
      collections: {
        tasks: { changes: { title: string; deletedAt: string | null }[]; cursor: string; hasMore: boolean };
      };
    };
    const page = body.collections.tasks;
    for (const row of page.changes) if (row.deletedAt === null) titles.push(row.title);
    if (!page.hasMore) return titles.sort();
    cursor = page.cursor;
  }
}
