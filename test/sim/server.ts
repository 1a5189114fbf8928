/**
 * The simulation's server: a real `createSyncServer` on a real store (a SQLite file, or a fresh
 * PostgreSQL schema), behind the recording wrapper. `restart()` closes the store and opens a new
 * one on the same file / schema, as a server process restart would.
 */
import { randomBytes } from 'node:crypto';
import { copyFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { SynclineError } from '@syncline/core';
import { createSyncServer, type ServerStore, type SyncServer } from '@syncline/server';
import { createPostgresStore } from '@syncline/server/postgres';
import { createSqliteStore, type SqliteStore } from '@syncline/server/sqlite';
import pg from 'pg';
import type { ServerTruth } from './oracles.ts';
import { type Control, recordingStore, type ServerLog } from './recorder.ts';
import { COLLECTIONS, GRANTS_DDL, scopeColumns, simRules, simSchema } from './schema.ts';

export type StoreKind = 'sqlite' | 'postgres';

export type RealtimeHub = NonNullable<SyncServer['realtime']>;

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
  /** The realtime hub of the instance running now (a restart closes its sockets with 1001). */
  readonly realtime: RealtimeHub | null;
  /**
   * About the request being handled: the first seq of a push (idempotency control) and, for a
   * request the network held back, when it was sent (its transaction "began" then: cursor control).
   */
  setRequest(req: { firstSeq: number | null; sentAt: number | null } | null): void;
  restart(): Promise<void>;
  /** Takes a backup of the database while serving (SQLite's online backup API). */
  backup(): Promise<void>;
  /**
   * Stops the server, replaces its database by the last backup and starts again: everything
   * committed since the backup is gone (moved to `log.lostByRestore`). No command is run: the
   * store must detect the restore itself (decision 0011). False when there is no backup.
   */
  restore(): Promise<boolean>;
  /** Grants or revokes a shared space for a user, as the app's own backend would (plain SQL). */
  setGrant(user: string, space: string, on: boolean): Promise<void>;
  /** Every record with plain SQL (tombstones included): the oracles' server truth. */
  truth(): Promise<ServerTruth>;
  /**
   * Whether a pull started now can deliver every committed row: always on SQLite; on PostgreSQL,
   * once the cluster's xid watermark has passed every row's and gone-marker's `_txid` (another
   * session's open transaction anywhere in the cluster holds it back, decision 0013).
   */
  deliverable(): Promise<boolean>;
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

/** The base tables of a PostgreSQL schema (collections and bookkeeping). */
async function tablesOf(c: pg.Client, schema: string): Promise<string[]> {
  const { rows } = await c.query<{ t: string }>(
    `SELECT table_name AS t FROM information_schema.tables WHERE table_schema = $1 AND table_type = 'BASE TABLE' ORDER BY 1`,
    [schema],
  );
  return rows.map((r) => r.t);
}

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
  const withPg = async <T>(fn: (c: pg.Client) => Promise<T>): Promise<T> => {
    const c = new pg.Client({ connectionString: o.pgUrl });
    await c.connect();
    try {
      return await fn(c);
    } finally {
      await c.end();
    }
  };
  let inner: ServerStore | null = null;
  let saved: { path: string; applied: number; outcomes: number } | null = null;
  const open = async (): Promise<SyncServer> => {
    inner = openStore();
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
    get realtime() {
      return server.realtime ?? null;
    },
    setRequest(r) {
      request = r;
    },
    async restart() {
      await server.close();
      server = await open();
    },
    async backup() {
      if (o.kind === 'sqlite') {
        const path = join(o.dir, 'server.backup.db');
        await (inner as SqliteStore).db.backup(path);
        saved = { path, applied: log.applied.length, outcomes: log.outcomes.length };
        return;
      }
      // PostgreSQL: a copy of every table and the version sequence into a backup schema, in one
      // snapshot (what pg_dump takes; pg_dump itself costs too much per seed).
      await withPg(async (c) => {
        await c.query('BEGIN ISOLATION LEVEL REPEATABLE READ');
        await c.query(`DROP SCHEMA IF EXISTS ${pgSchema}_bk CASCADE`);
        await c.query(`CREATE SCHEMA ${pgSchema}_bk`);
        for (const t of await tablesOf(c, pgSchema))
          await c.query(`CREATE TABLE ${pgSchema}_bk.${t} AS TABLE ${pgSchema}.${t}`);
        const seqs = await c.query<{ name: string; last: string; called: boolean }>(
          `SELECT sequencename AS name, last_value::text AS last, last_value IS NOT NULL AS called
             FROM pg_sequences WHERE schemaname = $1`,
          [pgSchema],
        );
        await c.query(`CREATE TABLE ${pgSchema}_bk._sequences (name text, last text)`);
        for (const q of seqs.rows)
          await c.query(`INSERT INTO ${pgSchema}_bk._sequences VALUES ($1, $2)`, [q.name, q.last]);
        await c.query('COMMIT');
      });
      saved = { path: `${pgSchema}_bk`, applied: log.applied.length, outcomes: log.outcomes.length };
    },
    async restore() {
      if (!saved) return false;
      await server.close();
      if (o.kind === 'postgres') {
        await withPg(async (c) => {
          await c.query('BEGIN');
          // As a restore tool does: rows go back as they were, triggers off.
          await c.query('SET LOCAL session_replication_role = replica');
          for (const t of await tablesOf(c, pgSchema)) {
            await c.query(`DELETE FROM ${pgSchema}.${t}`);
            await c.query(`INSERT INTO ${pgSchema}.${t} SELECT * FROM ${pgSchema}_bk.${t}`);
          }
          const seqs = await c.query<{ name: string; last: string | null }>(
            `SELECT name, last FROM ${pgSchema}_bk._sequences`,
          );
          for (const q of seqs.rows)
            if (q.last !== null)
              await c.query(`SELECT setval('${pgSchema}.${q.name}', $1::bigint)`, [q.last]);
          await c.query(`DROP SCHEMA ${pgSchema}_bk CASCADE`);
          await c.query('COMMIT');
        });
        // The operator's step after a PostgreSQL restore (README): bump the generation.
        const s = openStore() as ServerStore & { bumpGeneration(): Promise<string> };
        await s.bumpGeneration();
        await s.close();
      } else {
        const db = join(o.dir, 'server.db');
        copyFileSync(saved.path, db);
        rmSync(`${db}-wal`, { force: true });
        rmSync(`${db}-shm`, { force: true });
      }
      log.lostByRestore ??= { applied: [], outcomes: [] };
      const lost = log.lostByRestore;
      const segment = {
        applied: log.applied.splice(saved.applied),
        outcomes: log.outcomes.splice(saved.outcomes),
        before: { applied: saved.applied, outcomes: saved.outcomes },
      };
      lost.applied.push(...segment.applied);
      lost.outcomes.push(...segment.outcomes);
      log.lostSegments ??= [];
      log.lostSegments.push(segment);
      saved = null;
      server = await open();
      return true;
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
    async deliverable() {
      if (o.kind !== 'postgres') return true;
      const newest = [...COLLECTIONS, 'syncline_gone']
        .map((t) => `SELECT max(_txid) AS x FROM ${t}`)
        .join(' UNION ALL ');
      const rows = await current!.read((db) =>
        db.all<{ ok: boolean }>(
          `SELECT coalesce((SELECT max(x) FROM (${newest}) m) < pg_snapshot_xmin(pg_current_snapshot()), true) AS ok`,
        ),
      );
      return rows[0]?.ok === true;
    },
    async dispose() {
      await server.close();
      if (o.kind === 'postgres' && o.pgUrl) {
        const c = new pg.Client({ connectionString: o.pgUrl });
        await c.connect();
        try {
          await c.query(`DROP SCHEMA IF EXISTS ${pgSchema} CASCADE`);
          await c.query(`DROP SCHEMA IF EXISTS ${pgSchema}_bk CASCADE`);
        } finally {
          await c.end();
        }
      }
    },
  };
}
