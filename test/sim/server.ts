/**
 * The simulation's server: a real `createSyncServer` on a real store (a SQLite file, or a fresh
 * PostgreSQL schema), behind the recording wrapper. `restart()` closes the store and opens a new
 * one on the same file / schema, as a server process restart would.
 */
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { SynclineError } from '@syncline/core';
import { createSyncServer, type ServerStore, type SyncServer } from '@syncline/server';
import { createPostgresStore } from '@syncline/server/postgres';
import { createSqliteStore } from '@syncline/server/sqlite';
import pg from 'pg';
import type { ServerTruth } from './oracles.ts';
import { type Control, recordingStore, type ServerLog } from './recorder.ts';
import { COLLECTIONS, GRANTS_DDL, scopeColumns, simRules, simSchema } from './schema.ts';

export type StoreKind = 'sqlite' | 'postgres';

export interface SimServerOptions {
  kind: StoreKind;
  /** Directory for the SQLite file. */
  dir: string;
  /** PostgreSQL URL (kind 'postgres'). */
  pgUrl?: string;
  control: Control | null;
  /** When a write transaction began (sim clock): it lags the commit (the naive-cursor control). */
  txStart: () => number;
  now: () => number;
}

export interface SimServer {
  readonly log: ServerLog;
  handler(req: Request): Promise<Response>;
  /**
   * About the request being handled: the first seq of a push (idempotency control) and, for a
   * request the network held back, when it was sent (its transaction "began" then: cursor control).
   */
  setRequest(req: { firstSeq: number | null; sentAt: number | null } | null): void;
  restart(): Promise<void>;
  /** Grants or revokes a shared space for a user, as the app's own backend would (plain SQL). */
  setGrant(user: string, space: string, on: boolean): Promise<void>;
  /** Every record with plain SQL (tombstones included): the oracles' server truth. */
  truth(): Promise<ServerTruth>;
  /** Closes the server and drops the PostgreSQL schema. */
  dispose(): Promise<void>;
}

/** The bearer token is the user id: the sim tests sync, not authentication. */
const auth = {
  async verify(token: string | null) {
    if (!token) throw new SynclineError('unauthenticated', 'no token');
    return { userId: token, claims: {} };
  },
};

export async function createSimServer(o: SimServerOptions): Promise<SimServer> {
  const log: ServerLog = { applied: [], outcomes: [] };
  const stamps = new Map<string, number>();
  let request: { firstSeq: number | null; sentAt: number | null } | null = null;
  const pgSchema = `sl_sim_${randomBytes(6).toString('hex')}`;
  const openStore = (): ServerStore => {
    if (o.kind === 'sqlite') return createSqliteStore({ path: join(o.dir, 'server.db'), schema: simSchema });
    if (!o.pgUrl) throw new Error('postgres needs a URL (TEST_DATABASE_URL)');
    return createPostgresStore({
      connectionString: o.pgUrl,
      schema: simSchema,
      pgSchema,
      scopeColumns,
      pool: { max: 4 },
    });
  };
  const open = async (): Promise<SyncServer> => {
    const inner = openStore();
    await inner.migrate();
    await inner.write((tx) => tx.all(GRANTS_DDL));
    const store = recordingStore(inner, {
      log,
      control: o.control,
      txStart: () => Math.min(o.txStart(), request?.sentAt ?? Number.POSITIVE_INFINITY),
      firstSeq: () => request?.firstSeq ?? null,
      now: o.now,
      stamps,
    });
    current = store;
    return createSyncServer({ schema: simSchema, rules: simRules, store, auth });
  };
  let current: ServerStore | null = null;
  let server = await open();
  return {
    log,
    handler: (req) => server.handler(req),
    setRequest(r) {
      request = r;
    },
    async restart() {
      await server.close();
      server = await open();
    },
    async setGrant(user, space, on) {
      await current!.write(async (tx) => {
        await tx.all('DELETE FROM sim_grants WHERE user_id = ? AND space = ?', [user, space]);
        if (on) await tx.all('INSERT INTO sim_grants (user_id, space) VALUES (?, ?)', [user, space]);
      });
    },
    async truth() {
      const out: ServerTruth = new Map();
      for (const c of COLLECTIONS) {
        const rows = await current!.read((db) =>
          db.all<{
            id: string;
            owner_id: string;
            a: string;
            b: string;
            tok: string;
            version: unknown;
            deleted_at: unknown;
          }>(`SELECT id, owner_id, a, b, tok, version, deleted_at FROM ${c}`),
        );
        for (const r of rows) {
          out.set(`${c}/${r.id}`, {
            id: r.id,
            ownerId: r.owner_id,
            a: r.a,
            b: r.b,
            tok: r.tok,
            version: Number(r.version),
            deleted: r.deleted_at !== null,
          });
        }
      }
      return out;
    },
    async dispose() {
      await server.close();
      if (o.kind === 'postgres' && o.pgUrl) {
        const c = new pg.Client({ connectionString: o.pgUrl });
        await c.connect();
        try {
          await c.query(`DROP SCHEMA IF EXISTS ${pgSchema} CASCADE`);
        } finally {
          await c.end();
        }
      }
    },
  };
}
