/**
 * The SQL both SQL stores (SQLite, PostgreSQL) run alike — client bookkeeping, outcomes, and the
 * reads and writes of one record — written once over a small dialect object that says how each
 * database spells what differs (decision 0022): placeholders, list parameters, the JSON
 * parameter type, the clock, row locks and RETURNING. Each store's `sql.ts` holds its dialect;
 * what only one store does (PostgreSQL's batch statements, SQLite's writer row) stays in its
 * own `write-tx.ts`.
 */
import type { CollectionDef, MutationResult, SchemaDef, WireRecord } from '@syncline/core';
import { SynclineError } from '@syncline/core';
import { getCollection } from '@syncline/core/internal';
import type { Row, rowMapper } from './sql-rows.ts';
import { q, selectList } from './sql-rows.ts';
import type { ClientState, StoredRecord, WriteTx } from './types.ts';

/** How one database spells the parts of a statement that differ between the SQL stores. */
export interface SqlDialect {
  /** For messages: 'SQLite' or 'PostgreSQL'. */
  readonly name: string;
  /** The placeholder of the `i`-th parameter (1-based): `?` or `$i`. */
  param(i: number): string;
  /** A condition: `expr` is one of the values of list parameter `i` (see {@link SqlDialect.list}). */
  inList(expr: string, i: number, type: 'text' | 'bigint'): string;
  /** A list of values as the parameter {@link SqlDialect.inList} reads. */
  list(values: readonly unknown[]): unknown;
  /** Parameter `i`, holding JSON text, as a value of the JSON column type. */
  json(i: number): string;
  /** A value of the JSON column type as read → the JavaScript value. */
  readJson(raw: unknown): unknown;
  /** The write time stamped into `deleted_at` (ISO milliseconds, by the database's clock). */
  readonly now: string;
  /** Appended to a read a write decision rests on: a row lock, or '' where one writer holds them all. */
  readonly forUpdate: string;
  /** Whether INSERT/UPDATE … RETURNING reports what the triggers wrote (else the row is read again). */
  readonly returning: boolean;
  /** The most parameters one statement may bind. */
  readonly maxParams: number;
  /**
   * A subquery with columns `seq` and `result` (JSON), one row per element of parameter `i`, which
   * holds mutation results as one JSON array text.
   */
  results(i: number): string;
  /** The quoted (and qualified) table of a collection. */
  table(collection: string): string;
  /** The quoted (and qualified) bookkeeping tables. */
  readonly clients: string;
  readonly outcomes: string;
}

/** Runs one statement written in the dialect; the rows it returns (none for a plain write). */
export type SqlRun = (sql: string, params: readonly unknown[]) => Promise<Row[]>;

/** What {@link sqlWriteTx} and {@link sqlReads} work with. */
export interface SqlContext {
  dialect: SqlDialect;
  schema: SchemaDef;
  run: SqlRun;
  rows: Pick<ReturnType<typeof rowMapper>, 'rowToRecord' | 'rowToStored' | 'sqlAssignments'>;
  /**
   * An insert met its id taken (with RETURNING only: a concurrent transaction committed it after
   * the caller saw the id free). Throws what the store makes of it.
   */
  taken?: (collection: string, id: string) => never;
}

/** The methods of a WriteTx that every SQL store runs the same way (`updateRecords`, `recordPush`: each store's own). */
export type SqlWriteTx = Required<Omit<WriteTx, 'all' | 'writeAs' | 'updateRecords' | 'recordPush'>>;

/** The collection of a validated schema, or `invalid` for an unknown name. */
export function collectionOf(schema: SchemaDef, name: string): CollectionDef {
  const col = getCollection(schema, name);
  if (!col) throw new SynclineError('invalid', `Unknown collection "${name}".`);
  return col;
}

/** Store-level reads outside a write transaction: records by id, the owner of a client id. */
export function sqlReads(c: SqlContext) {
  const d = c.dialect;
  return {
    async records(collection: string, ids: readonly string[]): Promise<WireRecord[]> {
      const col = collectionOf(c.schema, collection);
      const rows = await c.run(
        `SELECT ${selectList(col)} FROM ${d.table(col.name)} WHERE ${d.inList('id', 1, 'text')}`,
        [d.list(ids)],
      );
      return rows.map((row) => c.rows.rowToRecord(col, row));
    },
    async clientUser(clientId: string): Promise<string | null> {
      const [row] = await c.run(`SELECT user_id FROM ${d.clients} WHERE client_id = ${d.param(1)}`, [
        clientId,
      ]);
      return row ? String(row.user_id) : null;
    },
  };
}

/** The shared part of a write transaction over `c.run`; savepoint names count from `sl_sp_1`. */
export function sqlWriteTx(c: SqlContext): SqlWriteTx {
  const { dialect: d, rows } = c;
  const p = (i: number) => d.param(i);
  let savepoints = 0;
  const notFound = (name: string, id: string) =>
    new SynclineError('not_found', `No record "${id}" in "${name}".`);
  const current = async (col: CollectionDef, id: string): Promise<WireRecord> => {
    const [row] = await c.run(`SELECT ${selectList(col)} FROM ${d.table(col.name)} WHERE id = ${p(1)}`, [id]);
    if (!row) throw notFound(col.name, id);
    return rows.rowToRecord(col, row);
  };
  /** Runs a write of one record; the record as the triggers left it. */
  const written = async (col: CollectionDef, id: string, sql: string, params: unknown[]) => {
    const [row] = await c.run(d.returning ? `${sql} RETURNING ${selectList(col)}` : sql, params);
    return row ? rows.rowToRecord(col, row) : current(col, id);
  };

  return {
    async savepoint(fn) {
      const name = `sl_sp_${++savepoints}`;
      await c.run(`SAVEPOINT ${name}`, []);
      try {
        const out = await fn();
        await c.run(`RELEASE SAVEPOINT ${name}`, []);
        return out;
      } catch (err) {
        await c.run(`ROLLBACK TO SAVEPOINT ${name}`, []);
        await c.run(`RELEASE SAVEPOINT ${name}`, []);
        throw err;
      }
    },

    async lockClient(clientId, userId): Promise<ClientState> {
      // Create-if-absent and lock in one statement: the no-op DO UPDATE locks the existing row
      // (as FOR UPDATE would), so a concurrent push of the same client waits until we commit and
      // then reads the last_seq we wrote (SQLite's single write lock already serialises).
      const [row] = await c.run(
        `INSERT INTO ${d.clients} AS _sl_c (client_id, user_id, last_seq) VALUES (${p(1)}, ${p(2)}, 0)
         ON CONFLICT (client_id) DO UPDATE SET user_id = _sl_c.user_id RETURNING user_id, last_seq`,
        [clientId, userId],
      );
      if (!row) throw new SynclineError('internal', `Client "${clientId}" vanished while being locked.`);
      return { userId: String(row.user_id), lastSeq: Number(row.last_seq) };
    },

    async setLastSeq(clientId, seq) {
      await c.run(`UPDATE ${d.clients} SET last_seq = ${p(1)} WHERE client_id = ${p(2)}`, [seq, clientId]);
    },

    async getOutcomes(clientId, seqs) {
      const out = new Map<number, MutationResult>();
      if (seqs.length === 0) return out;
      const found = await c.run(
        `SELECT seq, result FROM ${d.outcomes} WHERE client_id = ${p(1)} AND ${d.inList('seq', 2, 'bigint')}`,
        [clientId, d.list(seqs)],
      );
      for (const r of found) out.set(Number(r.seq), d.readJson(r.result) as MutationResult);
      return out;
    },

    async saveOutcome(clientId, seq, result) {
      await c.run(
        `INSERT INTO ${d.outcomes} (client_id, seq, result) VALUES (${p(1)}, ${p(2)}, ${d.json(3)})
         ON CONFLICT (client_id, seq) DO UPDATE SET result = excluded.result`,
        [clientId, seq, JSON.stringify(result)],
      );
    },

    async saveOutcomes(clientId, results) {
      if (results.length === 0) return;
      // One statement for the whole push; `WHERE true` lets SQLite parse the upsert after a SELECT.
      await c.run(
        `INSERT INTO ${d.outcomes} (client_id, seq, result)
         SELECT ${p(1)}, u.seq, u.result FROM ${d.results(2)} AS u WHERE true
         ON CONFLICT (client_id, seq) DO UPDATE SET result = excluded.result`,
        [clientId, JSON.stringify(results)],
      );
    },

    async pruneOutcomes(clientId, belowSeq) {
      await c.run(`DELETE FROM ${d.outcomes} WHERE client_id = ${p(1)} AND seq < ${p(2)}`, [
        clientId,
        belowSeq,
      ]);
    },

    async getRecord(name, id): Promise<StoredRecord | null> {
      const col = collectionOf(c.schema, name);
      // The caller decides conflicts on what it reads here: the row stays locked until commit.
      const [row] = await c.run(
        `SELECT ${selectList(col)}, _fv FROM ${d.table(name)} WHERE id = ${p(1)}${d.forUpdate}`,
        [id],
      );
      return row ? rows.rowToStored(col, row) : null;
    },

    async getRecords(name, ids) {
      const col = collectionOf(c.schema, name);
      const out = new Map<string, StoredRecord>();
      if (ids.length === 0) return out;
      // As getRecord: the caller decides on what it reads here, so the rows stay locked until
      // commit (in id order, so two pushes never lock crosswise).
      const found = await c.run(
        `SELECT ${selectList(col)}, _fv FROM ${d.table(name)} WHERE ${d.inList('id', 1, 'text')} ORDER BY id${d.forUpdate}`,
        [d.list([...new Set(ids)])],
      );
      for (const row of found) out.set(String(row.id), rows.rowToStored(col, row));
      return out;
    },

    async insertRecords(name, records) {
      const col = collectionOf(c.schema, name);
      const out = new Map<string, WireRecord>();
      // Grouped by column set: a missing optional column must get its default, not NULL.
      const groups = new Map<string, Array<{ id: string; pairs: Array<[string, unknown]> }>>();
      for (const r of records) {
        const pairs = rows.sqlAssignments(col, r.data);
        const key = pairs.map(([n]) => n).join(',');
        const group = groups.get(key) ?? [];
        groups.set(key, group);
        group.push({ id: r.id, pairs });
      }
      for (const group of groups.values()) {
        const names = group[0]!.pairs.map(([n]) => n);
        const cols = ['id', ...names.map(q)].join(', ');
        // Each row still gets its own version: the insert trigger runs once per row.
        const per = Math.max(1, Math.floor(d.maxParams / (names.length + 1)));
        for (let at = 0; at < group.length; at += per) {
          const chunk = group.slice(at, at + per);
          const params: unknown[] = [];
          const values = chunk.map((r) => {
            const marks = [p(params.push(r.id))];
            for (const [, v] of r.pairs) marks.push(p(params.push(v)));
            return `(${marks.join(', ')})`;
          });
          const sql = `INSERT INTO ${d.table(name)} (${cols}) VALUES ${values.join(', ')}`;
          let got: Row[];
          if (d.returning) {
            got = await c.run(`${sql} ON CONFLICT (id) DO NOTHING RETURNING ${selectList(col)}`, params);
          } else {
            await c.run(sql, params);
            got = await c.run(
              `SELECT ${selectList(col)} FROM ${d.table(name)} WHERE ${d.inList('id', 1, 'text')}`,
              [d.list(chunk.map((r) => r.id))],
            );
          }
          for (const row of got) out.set(String(row.id), rows.rowToRecord(col, row));
        }
      }
      // As in insertRecord: a concurrent transaction took an id (with RETURNING only).
      const missing = records.find((r) => !out.has(r.id));
      if (missing) {
        if (c.taken) c.taken(name, missing.id);
        throw notFound(name, missing.id);
      }
      return out;
    },

    async insertRecord(name, id, data) {
      const col = collectionOf(c.schema, name);
      const pairs = rows.sqlAssignments(col, data);
      const cols = ['id', ...pairs.map(([n]) => q(n))].join(', ');
      const marks = [p(1), ...pairs.map((_, i) => p(i + 2))].join(', ');
      const sql = `INSERT INTO ${d.table(name)} (${cols}) VALUES (${marks})`;
      const params = [id, ...pairs.map(([, v]) => v)];
      if (!d.returning) return written(col, id, sql, params);
      const [row] = await c.run(`${sql} ON CONFLICT (id) DO NOTHING RETURNING ${selectList(col)}`, params);
      if (row) return rows.rowToRecord(col, row);
      // The caller saw the id free; a concurrent transaction took it and committed meanwhile.
      if (c.taken) c.taken(name, id);
      throw notFound(name, id);
    },

    async updateRecord(name, id, patch) {
      const col = collectionOf(c.schema, name);
      const pairs = rows.sqlAssignments(col, patch);
      if (pairs.length === 0) return current(col, id);
      const set = pairs.map(([n], i) => `${q(n)} = ${p(i + 1)}`).join(', ');
      return written(col, id, `UPDATE ${d.table(name)} SET ${set} WHERE id = ${p(pairs.length + 1)}`, [
        ...pairs.map(([, v]) => v),
        id,
      ]);
    },

    async softDelete(name, id) {
      const col = collectionOf(c.schema, name);
      // Already deleted: an applied no-op answers the current tombstone.
      return written(
        col,
        id,
        `UPDATE ${d.table(name)} SET deleted_at = ${d.now} WHERE id = ${p(1)} AND deleted_at IS NULL`,
        [id],
      );
    },
  };
}
