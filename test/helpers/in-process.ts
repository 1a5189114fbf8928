/**
 * The in-process path to a real server: a {@link Transport} that hands each request to
 * `server.handler(new Request)` — real server logic, no sockets — shared by the end-to-end tests
 * and the simulation (`test/sim/transport.ts` adds its faults around `deliverToHandler`), plus a
 * `createSyncServer` on a temporary SQLite file and clients on memory stores against it.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  type ClientRejection,
  createClient,
  createMemoryStore,
  readResponse,
  type SyncPath,
  type Transport,
  type TransportRequest,
  type TransportResponse,
} from '@syncline/client';
import { createMemoryDisk, type MemoryDisk, manualClock, manualNetwork } from '@syncline/client/testing';
import { defineSchema, SynclineError, t } from '@syncline/core';
import { createSyncServer, type Rules, type SyncServer } from '@syncline/server';
import { createSqliteStore } from '@syncline/server/sqlite';

/** No defaults in the columns, so `insert` types stay simple. */
export const testSchema = defineSchema({
  notes: { columns: { ownerId: t.text(), title: t.text(), body: t.text() }, conflicts: 'reject-stale' },
  cards: { columns: { ownerId: t.text(), title: t.text(), color: t.text() }, conflicts: 'merge-fields' },
});

/** The next app version: `cards` gained a column, so clients re-download it. */
export const testSchemaV2 = defineSchema({
  notes: { columns: { ownerId: t.text(), title: t.text(), body: t.text() }, conflicts: 'reject-stale' },
  cards: {
    columns: { ownerId: t.text(), title: t.text(), color: t.text(), tag: t.text().optional() },
    conflicts: 'merge-fields',
  },
});

export const testRules: Rules = {
  notes: { scope: 'ownerId', access: (auth) => [auth.userId] },
  cards: { scope: 'ownerId', access: (auth) => [auth.userId] },
};

/** The bearer token is the user id (test authenticator). */
export async function startTestServer(limits: Record<string, number> = {}) {
  const dir = mkdtempSync(join(tmpdir(), 'syncline-client-it-'));
  const dbPath = join(dir, 'server.db');
  const store = createSqliteStore({ path: dbPath, schema: testSchema });
  await store.migrate();
  const server = createSyncServer({
    schema: testSchema,
    rules: testRules,
    store,
    limits,
    auth: {
      async verify(token) {
        if (!token) throw new SynclineError('unauthenticated', 'no token');
        return { userId: token, claims: {} };
      },
    },
  });
  return {
    server,
    dbPath,
    async close() {
      await server.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** Sends one protocol request to a Fetch-API handler in-process, as `fetchTransport` would over HTTP. */
export async function deliverToHandler(
  handler: SyncServer['handler'],
  base: string,
  path: SyncPath,
  init: TransportRequest,
): Promise<TransportResponse> {
  const headers: Record<string, string> = { 'content-type': 'application/json' };
  if (init.token !== null) headers.authorization = `Bearer ${init.token}`;
  const res = await handler(
    new Request(base + path, {
      method: init.method,
      headers,
      ...(init.body === undefined ? {} : { body: JSON.stringify(init.body) }),
    }),
  );
  return readResponse(res);
}

/** A Transport that hands each request to the server's Fetch handler in-process. */
export function inProcessTransport(
  server: SyncServer,
  base = 'http://test.local/sync',
): Transport & { log: string[]; offline: boolean } {
  const t = {
    log: [] as string[],
    offline: false,
    async request(path: SyncPath, init: TransportRequest) {
      if (t.offline) throw new SynclineError('network', 'offline (test)', { retryable: true });
      t.log.push(path);
      return deliverToHandler(server.handler, base, path, init);
    },
  };
  return t;
}

let seed = 1;

/** A client on a memory store (optionally an existing disk) against the in-process server. */
export function testClient(
  server: SyncServer,
  user: string,
  opts: { disk?: MemoryDisk; schema?: typeof testSchema } = {},
) {
  const disk = opts.disk ?? createMemoryDisk();
  const transport = inProcessTransport(server);
  const network = manualNetwork(true);
  const rejected: ClientRejection[] = [];
  const resets: string[] = [];
  const clock = manualClock(Date.parse('2026-11-25T13:00:00.000Z'));
  let n = 0;
  const prefix = `${user}-${seed++}`;
  const store = createMemoryStore(disk);
  const client = createClient({
    schema: opts.schema ?? testSchema,
    transport,
    store,
    auth: { getToken: () => user },
    network,
    clock,
    ids: () => `${prefix}-${String(++n).padStart(4, '0')}`,
  });
  client.on('rejected', (r) => rejected.push(r));
  client.on('reset', (r) => resets.push(r.collection));
  /** Test-only tampering: a cursor the server no longer accepts reaches the reset path. */
  const setCursor = (collection: string, cursor: string) =>
    store.write((tx) => tx.setMeta(`cursor:${collection}`, cursor));
  return Object.assign(client, { disk, transport, network, rejected, resets, clock, setCursor });
}
