/**
 * A test-only ServerStore wrapper that records what the server committed (the oracles' view of
 * the truth) and can break the server on purpose for the negative controls. Production code has
 * no such switches: the controls exist only here.
 */
import type { MutationResult, WireRecord } from '@syncline/core';
import type { ServerStore, StorePullRequest, StorePullResult, WriteTx } from '@syncline/server';

/** One committed write: which collection/id, and for inserts/updates the token and fields it set. */
export interface AppliedWrite {
  collection: string;
  id: string;
  op: 'insert' | 'update' | 'delete';
  tok: string | null;
  fields: string[];
}

/** One committed outcome record: the server processed (clientId, seq) with this status. */
export interface SavedOutcome {
  clientId: string;
  seq: number;
  status: MutationResult['status'];
}

export type Control = 'idempotency' | 'cursor';

export interface ServerLog {
  applied: AppliedWrite[];
  outcomes: SavedOutcome[];
  /**
   * Effects committed after a backup and undone by restoring it (the "restore" fault): the
   * server really did them, and then lost them. Kept apart so the oracles can tell a write the
   * operator's restore lost from one the engine lost.
   */
  lostByRestore?: { applied: AppliedWrite[]; outcomes: SavedOutcome[] };
  /** The same effects, one segment per restore: a duplicate within one still counts. */
  lostSegments?: Array<{
    applied: AppliedWrite[];
    outcomes: SavedOutcome[];
    /** How much of `applied` / `outcomes` preceded the backup (the history the restore kept). */
    before: { applied: number; outcomes: number };
  }>;
}

export interface RecorderOptions {
  log: ServerLog;
  control: Control | null;
  /**
   * When the write transaction began (sim clock, ms): the naive-cursor control stamps rows with
   * it, at second precision. The sim makes it lag commit time, as transactions take time.
   */
  txStart: () => number;
  /** The sim clock (ms), for the naive cursor's "since my last pull" value. */
  now: () => number;
  /** Idempotency control: the first seq of the push being handled (set by the sim transport). */
  firstSeq: () => number | null;
  /** Naive-cursor control: last-write second per record; survives server restarts like a column. */
  stamps: Map<string, number>;
}

/**
 * Wraps `inner`. Effects are added to the log only once `inner.write` resolved (= committed);
 * a retried attempt (PostgreSQL) or a rolled-back savepoint forgets its effects.
 */
export function recordingStore(inner: ServerStore, o: RecorderOptions): ServerStore {
  return {
    kind: inner.kind,
    migrate: () => inner.migrate(),
    read: (fn) => inner.read(fn),
    gc: (ms) => inner.gc(ms),
    records: (collection, ids) => inner.records(collection, ids),
    close: () => inner.close(),
    async write(fn) {
      let attempt: ServerLog = { applied: [], outcomes: [] };
      let stampsAttempt: Array<[string, number]> = [];
      // A timestamp cursor's classic bug: the stamp is taken when the transaction starts.
      const txSecond = Math.floor(o.txStart() / 1000);
      const out = await inner.write((tx) => {
        attempt = { applied: [], outcomes: [] };
        stampsAttempt = [];
        return fn(wrapTx(tx, attempt, stampsAttempt, txSecond, o));
      });
      o.log.applied.push(...attempt.applied);
      o.log.outcomes.push(...attempt.outcomes);
      for (const [k, s] of stampsAttempt) o.stamps.set(k, s);
      return out;
    },
    pull:
      o.control === 'cursor' ? (req) => naivePull(inner, req, o.stamps, o.now()) : (req) => inner.pull(req),
    // The change feed passes through, so the server has a realtime hub (the loopback variant's
    // sockets); it starts only with the first socket, so the in-memory variant never runs it.
    ...(inner.subscribe ? { subscribe: inner.subscribe.bind(inner) } : {}),
    ...(inner.clientUser ? { clientUser: inner.clientUser.bind(inner) } : {}),
  };
}

function wrapTx(
  tx: WriteTx,
  log: ServerLog,
  stamps: Array<[string, number]>,
  txSecond: number,
  o: RecorderOptions,
): WriteTx {
  const wrote = (collection: string, id: string, op: AppliedWrite['op'], data: Record<string, unknown>) => {
    const tok = typeof data.tok === 'string' ? data.tok : null;
    log.applied.push({ collection, id, op, tok, fields: Object.keys(data) });
    stamps.push([`${collection}/${id}`, txSecond]);
  };
  return {
    all: (sql, params) => tx.all(sql, params),
    async savepoint(fn) {
      const marks = [log.applied.length, log.outcomes.length, stamps.length] as const;
      try {
        return await tx.savepoint(fn);
      } catch (e) {
        log.applied.length = marks[0];
        log.outcomes.length = marks[1];
        stamps.length = marks[2];
        throw e;
      }
    },
    async lockClient(clientId, userId) {
      const state = await tx.lockClient(clientId, userId);
      const first = o.firstSeq();
      // Control: forget the recorded lastSeq, so re-sent mutations count as new.
      if (o.control === 'idempotency' && first !== null && first <= state.lastSeq)
        return { ...state, lastSeq: first - 1 };
      return state;
    },
    setLastSeq: (clientId, seq) => tx.setLastSeq(clientId, seq),
    getOutcomes: (clientId, seqs) => tx.getOutcomes(clientId, seqs),
    async saveOutcome(clientId, seq, result) {
      await tx.saveOutcome(clientId, seq, result);
      log.outcomes.push({ clientId, seq, status: result.status });
    },
    pruneOutcomes: (clientId, below) => tx.pruneOutcomes(clientId, below),
    writeAs: (userId) => tx.writeAs(userId),
    getRecord: (c, id) => tx.getRecord(c, id),
    async insertRecord(c, id, data) {
      const rec = await tx.insertRecord(c, id, data);
      wrote(c, id, 'insert', data);
      return rec;
    },
    async updateRecord(c, id, patch) {
      const rec = await tx.updateRecord(c, id, patch);
      wrote(c, id, 'update', patch);
      return rec;
    },
    async softDelete(c, id) {
      const rec = await tx.softDelete(c, id);
      wrote(c, id, 'delete', {});
      return rec;
    },
    // The optional batch capabilities (PostgreSQL) pass through, recorded, so the sim exercises
    // the batched push path where the store has one.
    ...(tx.getRecords ? { getRecords: tx.getRecords.bind(tx) } : {}),
    ...(tx.insertRecords
      ? {
          insertRecords: async (
            c: string,
            rows: ReadonlyArray<{ id: string; data: Record<string, unknown> }>,
          ) => {
            const out = await tx.insertRecords!(c, rows);
            for (const r of rows) wrote(c, r.id, 'insert', r.data);
            return out;
          },
        }
      : {}),
    ...(tx.updateRecords
      ? {
          updateRecords: async (
            c: string,
            rows: ReadonlyArray<{ id: string; patch: Record<string, unknown> }>,
          ) => {
            const out = await tx.updateRecords!(c, rows);
            for (const r of rows) wrote(c, r.id, 'update', r.patch);
            return out;
          },
        }
      : {}),
    ...(tx.recordPush
      ? {
          recordPush: async (
            clientId: string,
            results: readonly MutationResult[],
            lastSeq: number,
            keepFromSeq: number,
          ) => {
            await tx.recordPush!(clientId, results, lastSeq, keepFromSeq);
            for (const r of results) log.outcomes.push({ clientId, seq: r.seq, status: r.status });
          },
        }
      : {}),
    ...(tx.saveOutcomes
      ? {
          saveOutcomes: async (clientId: string, results: readonly MutationResult[]) => {
            await tx.saveOutcomes!(clientId, results);
            for (const r of results) log.outcomes.push({ clientId, seq: r.seq, status: r.status });
          },
        }
      : {}),
  };
}

/**
 * Negative control: "changes since my last pull", as a naive implementation does it: the cursor
 * is the server time of the pull (second precision) and the next pull returns rows whose
 * `updated_at` (taken when their transaction began) is later. A transaction that began before
 * a pull and committed after it is never delivered.
 */
async function naivePull(
  inner: ServerStore,
  req: StorePullRequest,
  stamps: Map<string, number>,
  now: number,
): Promise<StorePullResult> {
  const out: StorePullResult = { collections: {}, remaining: 0 };
  for (const c of req.collections) {
    const since = c.position?.startsWith('naive:') ? Number(c.position.slice(6)) : Number.NEGATIVE_INFINITY;
    const rows: WireRecord[] = [];
    let position: string | null = null;
    for (;;) {
      const page = await inner.pull({ collections: [{ ...c, position }], limit: 1000 });
      const got = page.collections[c.name];
      if (!got) break;
      rows.push(...got.changes);
      position = got.position;
      if (!got.hasMore) break;
    }
    const changes = rows.filter((r) => (stamps.get(`${c.name}/${r.id}`) ?? 0) > since);
    out.collections[c.name] = {
      changes,
      position: `naive:${Math.floor(now / 1000)}`,
      hasMore: false,
      reset: false,
    };
  }
  return out;
}
