import type {
  LocalRecord,
  LocalRow,
  LocalWriteTx,
  OutboxEntry,
  Query,
  StoredRejection,
} from '@syncline/client';
import { SynclineError, type WireRecord } from '@syncline/core';
import type { LocalOp } from '@syncline/core/internal';
import type { Conn } from './conn.ts';
import type { SqlRow, SqlValue } from './driver.ts';
import { buildQuery } from './query.ts';
import { decodeRecord, decodeRow, recordParams, type Table } from './table.ts';

const OUTBOX_COLUMNS = '"key", "collection", "record_id", "op", "seq", "client_id", "created_at"';

/** Outbox entries per `addOutboxMany` statement: bounds the JSON text of one statement (~1 MB). */
const OUTBOX_CHUNK = 4096;

const ADD_OUTBOX =
  'INSERT INTO "_syncline_outbox" ("collection", "record_id", "op", "seq", "client_id", "created_at") VALUES (?, ?, ?, ?, ?, ?)';

/**
 * The new outbox rows of one collection and time from a JSON array of `[id, op]` pairs, in array
 * order. `json_extract` answers the op (an object) as its JSON text, stored as `addOutbox` stores
 * `JSON.stringify(op)` (the same JSON; SQLite keeps the text of numbers and strings).
 */
const ADD_OUTBOX_JSON =
  'INSERT INTO "_syncline_outbox" ("collection", "record_id", "op", "seq", "client_id", "created_at") ' +
  `SELECT ?, json_extract("value", '$[0]'), json_extract("value", '$[1]'), NULL, NULL, ? FROM json_each(?) ORDER BY "key"`;

function outboxParams(e: Omit<OutboxEntry, 'key'>): SqlValue[] {
  return [e.collection, e.id, JSON.stringify(e.op), e.seq, e.clientId, e.createdAt];
}

/**
 * One transaction's view of the store. Read transactions get the same object with `writable`
 * false. A tx is usable only while its transaction is open: the store calls `finish()` before
 * COMMIT/ROLLBACK, so a stray call after fn returned cannot leak into another transaction.
 */
export class SqliteTx implements LocalWriteTx {
  private open = true;

  constructor(
    private readonly conn: Conn,
    private readonly tables: ReadonlyMap<string, Table>,
    private readonly writable: boolean,
  ) {}

  finish(): void {
    this.open = false;
  }

  private check(write: boolean): void {
    if (!this.open)
      throw new SynclineError(
        'closed',
        'This transaction has already ended; use the tx only inside its read()/write() callback.',
      );
    if (write && !this.writable)
      throw new SynclineError('invalid', 'A read transaction cannot write; use store.write().');
  }

  private table(collection: string, write = false): Table {
    this.check(write);
    const table = this.tables.get(collection);
    if (!table)
      throw new SynclineError(
        'invalid',
        `Unknown collection "${collection}": it is not in the schema passed to open().`,
      );
    return table;
  }

  async getRecord(collection: string, id: string): Promise<LocalRecord | null> {
    const table = this.table(collection);
    const rows = this.conn.all(table.selectById, [id]);
    const [row] = rows instanceof Promise ? await rows : rows;
    return row ? decodeRecord(table, row) : null;
  }

  async getRecords(collection: string, ids: readonly string[]): Promise<Map<string, LocalRecord>> {
    const table = this.table(collection);
    const found = new Map<string, LocalRecord>();
    if (ids.length === 0) return found;
    for (const row of await this.conn.all(table.selectByIds, [JSON.stringify(ids)])) {
      const rec = decodeRecord(table, row);
      found.set(rec.id, rec);
    }
    return found;
  }

  async query(collection: string, q: Query): Promise<LocalRow[]> {
    const table = this.table(collection);
    const { sql, params } = buildQuery(table, q);
    return (await this.conn.all(sql, params)).map((row) => decodeRow(table, row));
  }

  async outbox(opts: { limit?: number; collection?: string; id?: string } = {}): Promise<OutboxEntry[]> {
    this.check(false);
    const where: string[] = [];
    const params: SqlValue[] = [];
    if (opts.collection !== undefined) {
      where.push('"collection" = ?');
      params.push(opts.collection);
    }
    if (opts.id !== undefined) {
      where.push('"record_id" = ?');
      params.push(opts.id);
    }
    let sql = `SELECT ${OUTBOX_COLUMNS} FROM "_syncline_outbox"${where.length ? ` WHERE ${where.join(' AND ')}` : ''} ORDER BY "key"`;
    if (opts.limit !== undefined) {
      sql += ' LIMIT ?';
      params.push(Math.max(0, Math.floor(opts.limit)));
    }
    return (await this.conn.all(sql, params)).map(decodeOutbox);
  }

  async outboxCount(): Promise<number> {
    this.check(false);
    const [row] = await this.conn.all('SELECT count(*) AS "n" FROM "_syncline_outbox"');
    return Number(row?.n ?? 0);
  }

  async getMeta<T = unknown>(key: string): Promise<T | undefined> {
    this.check(false);
    const [row] = await this.conn.all('SELECT "value" FROM "_syncline_meta" WHERE "key" = ?', [key]);
    return row ? (JSON.parse(String(row.value)) as T) : undefined;
  }

  async rejections(): Promise<StoredRejection[]> {
    this.check(false);
    const rows = await this.conn.all('SELECT * FROM "_syncline_rejections" ORDER BY "created_at", rowid');
    return rows.map((r) => ({
      key: String(r.key),
      collection: String(r.collection),
      id: String(r.record_id),
      code: String(r.code) as StoredRejection['code'],
      message: String(r.message),
      current: r.current == null ? null : (JSON.parse(String(r.current)) as WireRecord),
      dropped: JSON.parse(String(r.dropped)) as LocalOp[],
      issues: JSON.parse(String(r.issues)) as StoredRejection['issues'],
      createdAt: Number(r.created_at),
      notified: Number(r.notified) === 1,
    }));
  }

  async putRecord(collection: string, record: LocalRecord): Promise<void> {
    const table = this.table(collection, true);
    const done = this.conn.run(table.upsert, recordParams(table, record));
    if (done instanceof Promise) await done;
  }

  async putRecords(collection: string, records: LocalRecord[]): Promise<void> {
    const table = this.table(collection, true);
    // Whole chunks as multi-row upserts (a later duplicate id updates the earlier row, as one
    // statement per row would), the rest row by row.
    const { rows, sql } = table.upsertChunk;
    const whole = rows > 1 ? records.length - (records.length % rows) : 0;
    const chunks: SqlValue[][] = [];
    for (let at = 0; at < whole; at += rows) {
      const params: SqlValue[] = [];
      for (let i = at; i < at + rows; i++) recordParams(table, records[i]!, params);
      chunks.push(params);
    }
    await this.conn.runMany(sql, chunks, (params) => params);
    await this.conn.runMany(table.upsert, records.slice(whole), (r) => recordParams(table, r));
  }

  async deleteRecord(collection: string, id: string): Promise<void> {
    const table = this.table(collection, true);
    await this.conn.run(`DELETE FROM ${table.sql} WHERE "id" = ?`, [id]);
  }

  async addOutbox(entry: Omit<OutboxEntry, 'key'>): Promise<number> {
    this.check(true);
    // No await on a synchronous driver: no promise of the driver's per entry.
    const done = this.conn.run(ADD_OUTBOX, outboxParams(entry));
    return Number((done instanceof Promise ? await done : done).lastInsertRowid);
  }

  async addOutboxMany(entries: ReadonlyArray<Omit<OutboxEntry, 'key'>>): Promise<void> {
    this.check(true);
    const first = entries[0];
    if (first === undefined) return;
    const shared = entries.every(
      (e) =>
        e.collection === first.collection &&
        e.createdAt === first.createdAt &&
        e.seq === null &&
        e.clientId === null,
    );
    if (!shared) {
      await this.conn.runMany(ADD_OUTBOX, entries, outboxParams);
      return;
    }
    // A batch write's entries (one collection, one time, not yet sent): one statement per chunk
    // over a JSON array of [id, op], one JSON.stringify and three bound values instead of an op
    // string and six values per entry (decision 0030). json_each yields the array in order, so
    // the AUTOINCREMENT keys follow it as single inserts would.
    for (let at = 0; at < entries.length; at += OUTBOX_CHUNK) {
      const chunk: unknown[] = [];
      for (let i = at; i < Math.min(entries.length, at + OUTBOX_CHUNK); i++) {
        const e = entries[i]!;
        chunk.push([e.id, e.op]);
      }
      const done = this.conn.run(ADD_OUTBOX_JSON, [first.collection, first.createdAt, JSON.stringify(chunk)]);
      if (done instanceof Promise) await done;
    }
  }

  async updateOutbox(entry: OutboxEntry): Promise<void> {
    this.check(true);
    await this.conn.run(
      'UPDATE "_syncline_outbox" SET "collection" = ?, "record_id" = ?, "op" = ?, "seq" = ?, "client_id" = ?, "created_at" = ? WHERE "key" = ?',
      [
        entry.collection,
        entry.id,
        JSON.stringify(entry.op),
        entry.seq,
        entry.clientId,
        entry.createdAt,
        entry.key,
      ],
    );
  }

  async removeOutbox(keys: number[]): Promise<void> {
    this.check(true);
    await this.conn.runMany('DELETE FROM "_syncline_outbox" WHERE "key" = ?', keys, (k) => [k]);
  }

  async setMeta(key: string, value: unknown): Promise<void> {
    this.check(true);
    if (value === undefined) return this.deleteMeta(key);
    await this.conn.run(
      'INSERT INTO "_syncline_meta" ("key", "value") VALUES (?, ?) ON CONFLICT ("key") DO UPDATE SET "value" = excluded."value"',
      [key, JSON.stringify(value)],
    );
  }

  async deleteMeta(key: string): Promise<void> {
    this.check(true);
    await this.conn.run('DELETE FROM "_syncline_meta" WHERE "key" = ?', [key]);
  }

  async putRejection(r: StoredRejection): Promise<void> {
    this.check(true);
    const columns = [
      'collection',
      'record_id',
      'code',
      'message',
      'current',
      'dropped',
      'issues',
      'created_at',
      'notified',
    ];
    await this.conn.run(
      `INSERT INTO "_syncline_rejections" ("key", ${columns.map((c) => `"${c}"`).join(', ')}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ` +
        `ON CONFLICT ("key") DO UPDATE SET ${columns.map((c) => `"${c}" = excluded."${c}"`).join(', ')}`,
      [
        r.key,
        r.collection,
        r.id,
        r.code,
        r.message,
        r.current === null ? null : JSON.stringify(r.current),
        JSON.stringify(r.dropped),
        JSON.stringify(r.issues),
        r.createdAt,
        r.notified ? 1 : 0,
      ],
    );
  }

  async removeRejection(key: string): Promise<void> {
    this.check(true);
    await this.conn.run('DELETE FROM "_syncline_rejections" WHERE "key" = ?', [key]);
  }

  async markAll(collection: string): Promise<void> {
    const table = this.table(collection, true);
    await this.conn.run(`UPDATE ${table.sql} SET "_marked" = 1`);
  }

  async sweepMarked(collection: string): Promise<number> {
    const table = this.table(collection, true);
    return (await this.conn.run(`DELETE FROM ${table.sql} WHERE "_marked" = 1 AND "_pending" = 0`)).changes;
  }
}

function decodeOutbox(r: SqlRow): OutboxEntry {
  return {
    key: Number(r.key),
    collection: String(r.collection),
    id: String(r.record_id),
    op: JSON.parse(String(r.op)) as LocalOp,
    seq: r.seq == null ? null : Number(r.seq),
    clientId: r.client_id == null ? null : String(r.client_id),
    createdAt: Number(r.created_at),
  };
}
