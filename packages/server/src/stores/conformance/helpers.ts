/**
 * Shared fixtures of the server-store conformance suite and the handler tests: a schema with one
 * collection per conflict strategy, rules scoped by owner or list, a test authenticator, and
 * request helpers that talk to a handler with real `Request` objects.
 */
import type { Mutation, PullResponse, PushResponse, SchemaDef } from '@syncline/core';
import { defineSchema, PROTOCOL_VERSION, SynclineError, t } from '@syncline/core';
import type { Authenticator, Rules, SyncServer } from '../../api.ts';
import type { ServerStore } from '../types.ts';

/**
 * The schema of the server-store suite: one collection per conflict strategy (`tasks` reject-stale,
 * `cards` merge-fields, `counters` last-write-wins), lists scoped by owner, and notes.
 */
export const suiteSchema = defineSchema({
  lists: { columns: { ownerId: t.text(), name: t.text() } },
  tasks: {
    columns: {
      listId: t.text(),
      title: t.text(),
      done: t.boolean().default(false),
      note: t.text().optional(),
      meta: t.json().optional(),
      rank: t.integer().default(0),
    },
    indexes: { byList: ['listId', 'done'] },
    conflicts: 'reject-stale',
  },
  cards: {
    columns: { ownerId: t.text(), title: t.text(), color: t.text().default('blue') },
    conflicts: 'merge-fields',
  },
  counters: { columns: { ownerId: t.text(), value: t.integer().default(0) }, conflicts: 'last-write-wins' },
  notes: { columns: { ownerId: t.text(), body: t.text() } },
});

const own = { scope: 'ownerId', access: (auth: { userId: string }) => [auth.userId] };

/** Tasks are visible to the owners of their list: keys come from SQL, as real apps do. */
export const suiteRules: Rules = {
  lists: own,
  tasks: {
    scope: 'listId',
    access: async (auth, db) =>
      (
        await db.all<{ id: string }>('SELECT id FROM lists WHERE owner_id = ? AND deleted_at IS NULL', [
          auth.userId,
        ])
      ).map((r) => r.id),
  },
  cards: own,
  counters: own,
  notes: {
    ...own,
    // A merge that keeps both bodies, so a test can see that the hook ran.
    resolve: (current, incoming) =>
      incoming.op === 'update' && typeof incoming.patch?.body === 'string'
        ? { action: 'merge', record: { body: `${String(current.body)} | ${incoming.patch.body}` } }
        : { action: 'reject', message: 'Notes cannot be deleted after someone else edited them.' },
  },
};

export const suiteScopeColumns: Record<string, string | readonly string[]> = {
  lists: 'ownerId',
  tasks: 'listId',
  cards: 'ownerId',
  counters: 'ownerId',
  notes: 'ownerId',
};

/** A store under test plus a second connection to the same database for plain SQL. */
export interface StoreUnderTest {
  store: ServerStore;
  /** Runs SQL on another connection to the same database, as the app's own backend would (`?` placeholders). */
  rawSql(sql: string, params?: readonly unknown[]): Promise<void>;
  /** Extra cleanup after `store.close()` (closing the second connection, dropping a database). */
  dispose?(): Promise<void>;
}

/** Opens a fresh, empty database for `schema`; `hints.scopeColumns` are the rules' scope columns. */
export type MakeStore = (
  schema: SchemaDef,
  hints: { scopeColumns: Readonly<Record<string, string | readonly string[]>> },
) => Promise<StoreUnderTest>;

/** Test authenticator: token `user:<id>` is user `<id>`; anything else is rejected. */
export const testAuth: Authenticator = {
  async verify(token) {
    const m = token ? /^user:([\w-]{1,64})$/.exec(token) : null;
    if (!m) throw new SynclineError('unauthenticated', 'Bad test token.');
    return { userId: m[1]!, claims: { sub: m[1] } };
  },
};

export type NewMutation =
  | { collection: string; id: string; op: 'insert'; data: Record<string, unknown> }
  | { collection: string; id: string; op: 'update'; patch: Record<string, unknown>; baseVersion: number }
  | { collection: string; id: string; op: 'delete'; baseVersion: number };

/** Talks to a handler like a client would, one `Request` at a time. */
export function client(
  server: SyncServer,
  user: string,
  clientId = `c-${user}`,
  base = 'http://test.local/sync',
) {
  let seq = 0;
  const post = async (path: string, body: unknown, token: string | null = `user:${user}`) => {
    const headers: Record<string, string> = { 'content-type': 'application/json' };
    if (token) headers.authorization = `Bearer ${token}`;
    const res = await server.handler(
      new Request(`${base}${path}`, { method: 'POST', headers, body: JSON.stringify(body) }),
    );
    return { status: res.status, body: (await res.json()) as Record<string, unknown> };
  };
  return {
    post,
    /** Numbers the mutations from this client's next seq. */
    batch(mutations: NewMutation[]): Mutation[] {
      return mutations.map((m) => ({ ...m, seq: ++seq }) as Mutation);
    },
    async pushRaw(mutations: Mutation[], extra: Record<string, unknown> = {}) {
      return post('/push', { protocol: PROTOCOL_VERSION, clientId, mutations, ...extra });
    },
    async push(mutations: NewMutation[]): Promise<PushResponse['results']> {
      const res = await post('/push', {
        protocol: PROTOCOL_VERSION,
        clientId,
        mutations: this.batch(mutations),
      });
      if (res.status !== 200) throw new Error(`push answered ${res.status}: ${JSON.stringify(res.body)}`);
      return (res.body as PushResponse).results;
    },
    async pull(collections: Record<string, string | null>, limit?: number): Promise<PullResponse> {
      const body = {
        protocol: PROTOCOL_VERSION,
        clientId,
        collections: Object.fromEntries(Object.entries(collections).map(([k, cursor]) => [k, { cursor }])),
        ...(limit ? { limit } : {}),
      };
      const res = await post('/pull', body);
      if (res.status !== 200) throw new Error(`pull answered ${res.status}: ${JSON.stringify(res.body)}`);
      return res.body as PullResponse;
    },
  };
}

/** Pulls one collection until `hasMore` is false; returns every change and the final cursor. */
export async function pullAll(
  c: ReturnType<typeof client>,
  collection: string,
  cursor: string | null = null,
  limit?: number,
) {
  const changes: Array<Record<string, unknown>> = [];
  let resets = 0;
  for (let page = 0; page < 10_000; page++) {
    const res = await c.pull({ [collection]: cursor }, limit);
    const got = res.collections[collection]!;
    if (got.reset) resets++;
    changes.push(...got.changes);
    cursor = got.cursor;
    if (!got.hasMore) return { changes, cursor, resets };
  }
  throw new Error('pullAll did not finish');
}
