/**
 * The PostgreSQL store's change feed (decision 0013): each server instance tails the tables
 * itself, with ONE statement per interval for all of its sockets, no NOTIFY and no broker.
 *
 * The statement takes `w = pg_snapshot_xmin(pg_current_snapshot())` in the snapshot it reads with
 * (one statement, one snapshot), and returns the rows and gone-markers with `last ≤ _txid < w`:
 * every transaction below `w` has ended, so these are exactly the changes that became final since
 * the previous tick, and a pull that starts now (its own watermark is at least `w`) sees them.
 * A transaction held open anywhere in the cluster holds `w` back, and with it the poke, until it
 * ends: then the next tick reports everything it held back. Writes by other instances and by
 * plain SQL are stamped by the same triggers, so they are reported the same way.
 */
import type { SchemaDef } from '@syncline/core';
import { toCamel, toSnake } from '@syncline/core/internal';
import type pg from 'pg';
import { collectionsByTable, type FeedSubscribers, feedSubscribers, goneValues } from '../change-feed.ts';
import type { StoreChange } from '../types.ts';
import type { PgNames } from './ddl.ts';
import { lit, q } from './sql.ts';

export interface PostgresFeed {
  subscribe: FeedSubscribers['subscribe'];
  close(): void;
}

/**
 * The tail statement: a head row with `w`, then changed rows (k = 1) and gone-markers (k = 2).
 * `columns` (null: whole rows) says what to read of each collection's changed rows: a list builds
 * a small json object of `id`, `deleted_at` and those columns, which is what keeps the feed cheap
 * beside heavy pushes; `'all'` (or null) reads the row whole, as `to_json` (no jsonb build).
 */
export function tailSql(
  n: PgNames,
  schema: SchemaDef,
  columns: Readonly<Record<string, readonly string[] | 'all'>> | null = null,
): string {
  const parts = Object.values(schema.collections).map((col) => {
    const wanted = columns === null ? 'all' : (columns[col.name] ?? []);
    const value =
      wanted === 'all'
        ? 'to_json(r)'
        : `json_build_object(${['id', 'deletedAt', ...wanted.filter((c) => c !== 'id' && c !== 'deletedAt')]
            .filter((c) => c === 'id' || c === 'deletedAt' || Object.hasOwn(col.columns, c))
            .map((c) => {
              const name = c === 'deletedAt' ? 'deleted_at' : toSnake(c);
              return `${lit(name)}, r.${q(name)}`;
            })
            .join(', ')})`;
    return `SELECT 1, NULL, ${lit(col.name)}, r.id, ${value}
         FROM ${n.table(col.name)} r, s WHERE r._txid >= $1::xid8 AND r._txid < s.w`;
  });
  return `WITH s AS MATERIALIZED (SELECT pg_snapshot_xmin(pg_current_snapshot()) AS w)
SELECT 0 AS k, (SELECT w::text FROM s) AS w, NULL::text AS c, NULL::text AS id, NULL::json AS v
${parts.map((p) => `UNION ALL ${p}`).join('\n')}
UNION ALL SELECT 2, NULL, g.collection, g.id, g.old::json FROM ${n.gone} g, s WHERE g._txid >= $1::xid8 AND g._txid < s.w`;
}

export function postgresChangeFeed(options: {
  pool: pg.Pool;
  n: PgNames;
  schema: SchemaDef;
  intervalMs: number;
}): PostgresFeed {
  const { pool, schema } = options;
  const byTable = collectionsByTable(schema);
  const byName = new Map(Object.values(schema.collections).map((c) => [c.name, c]));
  // The statement for what the subscribers ask for now, built again when that changes.
  let built: { key: string; sql: string } | null = null;
  const statement = () => {
    const columns = subs.columns();
    const key = JSON.stringify(columns);
    if (built?.key !== key) built = { key, sql: tailSql(options.n, schema, columns) };
    return built.sql;
  };
  const interval = Math.max(1, options.intervalMs);
  let last: string | null = null;
  let timer: NodeJS.Timeout | undefined;
  let running = false;
  let stopped = true;

  async function tick(): Promise<StoreChange[]> {
    if (last === null) {
      const { rows } = await pool.query<{ w: string }>(
        'SELECT pg_snapshot_xmin(pg_current_snapshot())::text AS w',
      );
      last = rows[0]!.w;
      return [];
    }
    const { rows } = await pool.query<{ k: number; w: string | null; c: string; id: string; v: unknown }>(
      statement(),
      [last],
    );
    const out: StoreChange[] = [];
    let w = last;
    for (const r of rows) {
      if (r.k === 0) w = r.w!;
      else if (r.k === 1) {
        const col = byName.get(r.c);
        if (col) out.push({ collection: col.name, id: r.id, row: camelRow(r.v), old: null });
      } else {
        const col = byTable.get(r.c);
        if (col) out.push({ collection: col.name, id: r.id, row: null, old: goneValues(col, r.id, r.v) });
      }
    }
    last = w;
    return out;
  }

  function schedule(): void {
    if (stopped) return;
    timer = setTimeout(run, interval);
    timer.unref();
  }

  function run(): void {
    if (running || stopped) return;
    running = true;
    tick().then(
      (changes) => {
        running = false;
        if (!stopped && last !== null) subs.ready();
        if (!stopped) subs.emit(changes);
        schedule();
      },
      (error: unknown) => {
        running = false;
        if (!stopped) subs.fail(error);
        schedule();
      },
    );
  }

  const subs = feedSubscribers(
    () => {
      stopped = false;
      last = null;
      run();
    },
    () => {
      stopped = true;
      clearTimeout(timer);
    },
  );

  return {
    subscribe: subs.subscribe,
    close() {
      stopped = true;
      clearTimeout(timer);
    },
  };
}

/**
 * The row's json keys are the snake_case column names; the feed speaks camelCase, as records do,
 * and leaves out the bookkeeping a whole row carries (`_fv`, `_txid`).
 */
function camelRow(v: unknown): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, value] of Object.entries((v ?? {}) as Record<string, unknown>)) {
    if (k === '_fv' || k === '_txid') continue;
    out[k === 'deleted_at' ? 'deletedAt' : k === 'updated_at' ? 'updatedAt' : toCamel(k)] = value;
  }
  return out;
}
