/**
 * The SQLite store's change feed (decision 0013). The counter that stamps every write is
 * commit-ordered (one writer at a time), so "what changed" is every row and gone-marker with a
 * version above the last one reported. Reads happen right after this store's own commits, and
 * when `PRAGMA data_version` says another connection or process committed (polled at a short
 * interval, a cheap call that touches no table).
 */
import type { SchemaDef } from '@syncline/core';
import { toSnake } from '@syncline/core/internal';
import type Database from 'better-sqlite3';
import { collectionsByTable, type FeedSubscribers, feedSubscribers, goneValues } from '../change-feed.ts';
import type { StoreChange } from '../types.ts';
import { q } from './ddl.ts';
import { rowToRecord, selectList } from './records.ts';

export interface SqliteFeed {
  subscribe: FeedSubscribers['subscribe'];
  /**
   * Call right after this store's connection committed a write, still holding the connection:
   * the changes are read and delivered at once, so pokes leave before the writer's own answer.
   */
  afterCommit(): void;
  close(): void;
}

export function sqliteChangeFeed(options: {
  db: Database.Database;
  schema: SchemaDef;
  /** Runs fn on the store's connection, serialised with every other use of it. */
  run: <T>(fn: () => T) => Promise<T>;
  intervalMs: number;
}): SqliteFeed {
  const { db, schema, run } = options;
  const byTable = collectionsByTable(schema);
  let last: number | null = null;
  let dataVersion: number | null = null;
  let timer: NodeJS.Timeout | undefined;
  let queued = false;
  const statements = new Map<string, Database.Statement>();
  /** Prepared once: the feed reads after every commit. */
  const prepare = (sql: string) => {
    let stmt = statements.get(sql);
    if (!stmt) {
      stmt = db.prepare(sql);
      statements.set(sql, stmt);
    }
    return stmt;
  };

  /** One read transaction: the counter and every change up to it come from one snapshot. */
  function readChanges(): StoreChange[] {
    return db
      .transaction(() => {
        const counter = (
          prepare('SELECT value FROM _syncline_counter WHERE id = 1').get() as { value: number }
        ).value;
        if (last === null || counter <= last) {
          last = counter;
          return [];
        }
        const out: StoreChange[] = [];
        for (const col of Object.values(schema.collections)) {
          const rows = prepare(
            `SELECT ${selectList(col)} FROM ${q(toSnake(col.name))} WHERE version > ?`,
          ).all(last) as Array<Record<string, unknown>>;
          for (const row of rows) {
            const record = rowToRecord(col, row);
            out.push({ collection: col.name, id: record.id, row: record, old: null });
          }
        }
        const gone = prepare('SELECT collection, id, old FROM _syncline_gone WHERE version > ?').all(
          last,
        ) as Array<{ collection: string; id: string; old: string }>;
        for (const g of gone) {
          const col = byTable.get(g.collection);
          if (col) out.push({ collection: col.name, id: g.id, row: null, old: goneValues(col, g.id, g.old) });
        }
        last = counter;
        return out;
      })
      .deferred();
  }

  function read(): void {
    if (queued || subs.size === 0) return;
    queued = true;
    run(() => {
      queued = false;
      if (subs.size === 0) return [];
      dataVersion = db.pragma('data_version', { simple: true }) as number;
      return readChanges();
    }).then(
      (changes) => {
        subs.ready();
        subs.emit(changes);
      },
      (error: unknown) => {
        queued = false;
        subs.fail(error);
      },
    );
  }

  /** `read` for a caller that holds the connection (just committed): no wait for the mutex. */
  function readHeld(): void {
    if (subs.size === 0) return;
    let changes: StoreChange[];
    try {
      dataVersion = db.pragma('data_version', { simple: true }) as number;
      changes = readChanges();
    } catch (error) {
      // The write did commit: a failed read is the feed's failure, never the writer's.
      subs.fail(error);
      return;
    }
    subs.ready();
    subs.emit(changes);
  }

  function poll(): void {
    run(() => db.pragma('data_version', { simple: true }) as number).then(
      (v) => {
        if (v !== dataVersion) read();
      },
      (error: unknown) => subs.fail(error),
    );
  }

  const subs = feedSubscribers(
    () => {
      last = null;
      read(); // sets the starting point
      timer = setInterval(poll, Math.max(1, options.intervalMs));
      timer.unref();
    },
    () => {
      clearInterval(timer);
      timer = undefined;
    },
  );

  return {
    subscribe: subs.subscribe,
    afterCommit: readHeld,
    close() {
      clearInterval(timer);
      timer = undefined;
    },
  };
}
