/**
 * A real sync server in-process (SQLite in a temp directory) where every user shares one team
 * scope, and real clients on memory stores against it, driven by hand: a manual clock (the loop
 * never runs by itself; tests call `sync()`) and a manual network.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createClient, createMemoryStore, type Transport } from '@syncline/client';
import { manualClock, manualNetwork } from '@syncline/client/testing';
import { defineSchema, SynclineError, t } from '@syncline/core';
import { createSyncServer, type Rules } from '@syncline/server';
import { createSqliteStore } from '@syncline/server/sqlite';
import { inProcessTransport } from '../helpers/in-process.ts';

export const schema = defineSchema({
  notes: { columns: { teamId: t.text(), title: t.text(), done: t.boolean().default(false) } },
  cards: { columns: { teamId: t.text(), color: t.text() } },
});

const team = { scope: 'teamId', access: () => ['team'] };
const rules: Rules = { notes: team, cards: team };

/**
 * Holds every pull request until the test releases it, so a test can look at the UI between two
 * pages of a pull, whatever the React version batches.
 */
export function gatePulls(inner: Transport) {
  const held: Array<() => void> = [];
  let arrived: (() => void) | null = null;
  const transport: Transport = {
    async request(path, init) {
      if (path === '/pull') {
        await new Promise<void>((resolve) => {
          held.push(resolve);
          arrived?.();
        });
      }
      return inner.request(path, init);
    },
  };
  return {
    transport,
    /** Resolves once a pull is waiting. */
    async waiting(): Promise<void> {
      while (held.length === 0) await new Promise<void>((resolve) => (arrived = resolve));
    },
    release(): void {
      held.shift()?.();
    },
  };
}

export async function startTeamServer() {
  const dir = mkdtempSync(join(tmpdir(), 'syncline-react-'));
  const store = createSqliteStore({ path: join(dir, 'server.db'), schema });
  await store.migrate();
  const server = createSyncServer({
    schema,
    rules,
    store,
    auth: {
      async verify(token) {
        if (!token) throw new SynclineError('unauthenticated', 'no token');
        return { userId: token, claims: {} };
      },
    },
  });
  const clients: Array<{ close(): Promise<void> }> = [];
  let seed = 0;
  return {
    server,
    /** A client of `user` (the token is the user id); closed by `close()`. */
    client(user: string, opts: { pullLimit?: number; online?: boolean } = {}) {
      let n = 0;
      const prefix = `${user}-${++seed}`;
      const network = manualNetwork(opts.online ?? true);
      const direct = inProcessTransport(server);
      const gate = gatePulls(direct);
      let gated = false;
      const client = createClient({
        schema,
        transport: {
          request: (path, init) => (gated ? gate.transport : direct).request(path, init),
        },
        store: createMemoryStore(),
        auth: { getToken: () => user },
        network,
        clock: manualClock(Date.parse('2026-11-25T13:00:00.000Z')),
        ids: () => `${prefix}-${String(++n).padStart(4, '0')}`,
        ...(opts.pullLimit ? { pullLimit: opts.pullLimit } : {}),
      });
      clients.push(client);
      /** From now on every pull waits for `pulls.release()`. */
      const holdPulls = () => {
        gated = true;
        return { waiting: gate.waiting, release: gate.release };
      };
      return Object.assign(client, { network, holdPulls });
    },
    async close() {
      for (const c of clients.splice(0)) await c.close();
      await server.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

export type TeamServer = Awaited<ReturnType<typeof startTeamServer>>;
export type TeamClient = ReturnType<TeamServer['client']>;
