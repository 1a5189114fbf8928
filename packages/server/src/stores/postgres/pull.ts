/**
 * One pull page from PostgreSQL with the xid watermark (ARCHITECTURE.md §6.1, decision 0005).
 *
 * Runs inside one REPEATABLE READ READ ONLY transaction, so `w = pg_snapshot_xmin(...)`, the
 * generation, the horizons and every row come from one snapshot. Every transaction with an xid
 * below `w` has ended in that snapshot, so the rows with `_txid < w` are final: reading them in
 * `(_txid, id)` order and remembering the last one skips nothing, however late a transaction
 * commits relative to the number it got.
 */
import type { CollectionDef, SchemaDef, WireRecord } from '@syncline/core';
import { SynclineError } from '@syncline/core';
import { getCollection, toSnake } from '@syncline/core/internal';
import type pg from 'pg';
import { leftAfter, splitEstimate, withEstimate } from '../pull-estimate.ts';
import { orderedRowsSql } from '../sql-pull.ts';
import { scopeIndexColumns, scopeTerms } from '../sql-rows.ts';
import type { ScopeFilter, StorePullRequest, StorePullResult } from '../types.ts';
import type { PgNames } from './ddl.ts';
import type { PgPosition } from './position.ts';
import { encodePosition, parsePosition } from './position.ts';
import { rowToRecord } from './records.ts';
import { pgDialect, q } from './sql.ts';

interface Item {
  txid: bigint;
  /** Index of the collection in the request, then rank inside its own (PostgreSQL-ordered) list. */
  coll: number;
  rank: number;
  id: string;
  record: WireRecord;
}

interface Start {
  txid: bigint;
  id: string;
  reset: boolean;
  /** Rows the read still expected (decision 0023); null: count them. */
  left?: number | null;
}

/** Where a collection starts: after its position, or from the beginning with `reset`. */
function startOf(
  position: string | null,
  generation: string,
  xmax: bigint,
  horizonBelow: (p: PgPosition) => boolean,
): Start {
  if (position === null) return { txid: 0n, id: '', reset: false };
  const p = parsePosition(position);
  // A txid beyond anything this database has handed out means xids were rewound (a restore that
  // kept the generation row): the position says nothing about this history.
  if (!p || p.generation !== generation || p.txid > xmax || horizonBelow(p))
    return { txid: 0n, id: '', reset: true };
  return { txid: p.txid, id: p.id, reset: false };
}

/**
 * The scope condition on `expr(column)` — one `= ANY` per scope column, OR-ed — with its
 * parameters appended to `params`. Keys are text; a non-text scope column compares as text
 * (correct, though its index then goes unused). `col` absent: `expr` already yields text.
 */
function scopeSql(
  scope: ScopeFilter,
  params: unknown[],
  expr: (column: string) => string,
  col?: CollectionDef,
): string {
  const terms = scopeTerms(scope);
  if (terms === null) return 'true';
  if (terms.length === 0) return 'false';
  const parts = terms.map((t) => {
    params.push(t.keys);
    const kind = t.column === 'id' ? 'text' : col?.columns[t.column]?.kind;
    const cast = col && kind !== 'text' ? '::text' : '';
    return `${expr(toSnake(t.column))}${cast} = ANY($${params.length}::text[])`;
  });
  return `(${parts.join(' OR ')})`;
}

/**
 * Rows and gone-markers of one collection after `start` and below `w`, in `(_txid, id)` order,
 * at most `max`. One statement, so PostgreSQL's own collation orders the ids of both kinds.
 * A gone-marker counts only while the row is not visible to this caller (a visible row is newer
 * and delivered itself); several markers of one id in one transaction collapse to the latest.
 */
export function candidatesSql(
  n: PgNames,
  col: CollectionDef,
  start: Start,
  w: string,
  scope: ScopeFilter,
  visibleTo: ScopeFilter,
  max: number,
  indexed: readonly string[],
): { sql: string; params: unknown[] } {
  const t = n.table(col.name);
  const params: unknown[] = [start.txid.toString(), start.id, w, max, toSnake(col.name)];
  const cols = Object.keys(col.columns).map((c) => q(toSnake(c)));
  const rows = orderedRowsSql({
    dialect: pgDialect(n),
    col,
    scope,
    indexed,
    params,
    member: (cond) =>
      `SELECT r._txid, r.id, false AS _gone, r.version, r.updated_at, r.updated_by, r.deleted_at${cols.map((c) => `, r.${c}`).join('')}
     FROM ${t} r WHERE ${cond} AND (r._txid, r.id) > ($1::xid8, $2::text) AND r._txid < $3::xid8`,
    // A non-text scope column compares as text (its index then goes unused).
    filterColumn: (c) => `r.${q(toSnake(c))}${c === 'id' || col.columns[c]?.kind === 'text' ? '' : '::text'}`,
    order: '_txid, id',
    limit: max,
    limitMembers: true,
  });
  const goneScope = scopeSql(scope, params, (c) => (c === 'id' ? 'g.id' : `g.old ->> ${`'${c}'`}`));
  const visibleScope = scopeSql(visibleTo, params, (c) => `v.${q(c)}`, col);
  const sql = `
SELECT u.* FROM (
  (${rows})
  UNION ALL
  (SELECT m._txid, m.id, true, m.version, NULL, NULL, m.deleted_at${cols.map(() => ', NULL').join('')}
     FROM (SELECT DISTINCT ON (g._txid, g.id) g._txid, g.id, g.version, g.deleted_at
             FROM ${n.gone} g
            WHERE g.collection = $5 AND (g._txid, g.id) > ($1::xid8, $2::text) AND g._txid < $3::xid8 AND ${goneScope}
            ORDER BY g._txid, g.id, g.version DESC) m
    WHERE NOT EXISTS (SELECT 1 FROM ${t} v WHERE v.id = m.id AND ${visibleScope})
    ORDER BY m._txid, m.id LIMIT $4)
) u
ORDER BY u._txid, u.id LIMIT $4`;
  return { sql, params };
}

/** Runs {@link candidatesSql}. */
async function readCandidates(
  client: pg.PoolClient,
  ...args: Parameters<typeof candidatesSql>
): Promise<Array<Record<string, unknown>>> {
  const { sql, params } = candidatesSql(...args);
  return (await client.query(sql, params)).rows;
}

/** Rows in scope after `(txid, id)` and below `w` (gone-markers are not counted): the estimate a read starts with. */
async function countAfter(
  client: pg.PoolClient,
  n: PgNames,
  col: CollectionDef,
  after: { txid: bigint; id: string },
  w: string,
  scope: ScopeFilter,
): Promise<number> {
  const params: unknown[] = [after.txid.toString(), after.id, w];
  const s = scopeSql(scope, params, (c) => `r.${q(c)}`, col);
  const { rows } = await client.query<{ n: number }>(
    `SELECT count(*)::int AS n FROM ${n.table(col.name)} r
      WHERE (r._txid, r.id) > ($1::xid8, $2::text) AND r._txid < $3::xid8 AND ${s}`,
    params,
  );
  return rows[0]?.n ?? 0;
}

/** Reads one page; `client` must be inside a REPEATABLE READ transaction. */
export async function pullPage(
  client: pg.PoolClient,
  n: PgNames,
  schema: SchemaDef,
  request: StorePullRequest,
  scopeColumns: Readonly<Record<string, string | readonly string[]>> = {},
): Promise<StorePullResult> {
  const limit = Math.max(1, Math.floor(request.limit));
  const { rows: head } = await client.query<{ w: string; xmax: string; generation: string | null }>(
    `SELECT pg_snapshot_xmin(s)::text AS w, pg_snapshot_xmax(s)::text AS xmax,
            (SELECT value FROM ${n.meta} WHERE key = 'generation') AS generation
       FROM pg_current_snapshot() s`,
  );
  const { w, xmax, generation } = head[0]!;
  if (generation === null) {
    throw new SynclineError('storage', 'The PostgreSQL store is not migrated: call store.migrate() first.');
  }
  const { rows: horizonRows } = await client.query<{ collection: string; txid: string; id: string }>(
    `SELECT collection, txid::text AS txid, id FROM ${n.horizon}`,
  );
  const horizons = new Map(horizonRows.map((h) => [h.collection, h]));

  const cols: Array<{ col: CollectionDef; key: string; scope: ScopeFilter; start: Start; items: Item[] }> =
    [];
  for (const [index, c] of request.collections.entries()) {
    const col = getCollection(schema, c.name);
    if (!col) throw new SynclineError('invalid', `Unknown collection "${c.name}".`);
    const h = horizons.get(col.name);
    // Tombstones up to the horizon were collected: a client before it may have missed deletes.
    // Ids compare in SQL below, so only the txid decides here unless it ties.
    let tiedWithHorizon = false;
    const carried = splitEstimate(c.position);
    const start = startOf(carried.position, generation, BigInt(xmax), (p) => {
      if (!h) return false;
      const ht = BigInt(h.txid);
      if (p.txid !== ht) return p.txid < ht;
      tiedWithHorizon = true;
      return false;
    });
    if (tiedWithHorizon && h && !start.reset && (await idBefore(client, start.id, h.id))) {
      start.txid = 0n;
      start.id = '';
      start.reset = true;
    }
    start.left = start.reset ? null : carried.left;
    const indexed = scopeIndexColumns(col, scopeColumns[col.name]);
    const rows = await readCandidates(
      client,
      n,
      col,
      start,
      w,
      c.scope,
      c.visible ?? c.scope,
      limit + 1,
      indexed,
    );
    const items = rows.map((row, rank): Item => {
      const id = String(row.id);
      const record: WireRecord = row._gone
        ? { id, version: Number(row.version), deletedAt: String(row.deleted_at) }
        : rowToRecord(col, row);
      return { txid: BigInt(String(row._txid)), coll: index, rank, id, record };
    });
    cols.push({ col, key: c.key ?? c.name, scope: c.scope, start, items });
  }

  // One limit across collections: the oldest transactions first. Each collection keeps its own
  // PostgreSQL order (rank), so what it takes is always a prefix of its list.
  const all = cols.flatMap((c) => c.items);
  all.sort((a, b) => (a.txid < b.txid ? -1 : a.txid > b.txid ? 1 : a.coll - b.coll || a.rank - b.rank));
  const taken = all.slice(0, limit);
  const result: StorePullResult = { collections: {}, remaining: 0 };
  const wTxid = BigInt(w);
  for (const [index, c] of cols.entries()) {
    const mine = taken.filter((i) => i.coll === index);
    const hasMore = c.items.length > mine.length;
    const last = mine[mine.length - 1];
    // A short page has seen every committed change below w in this snapshot, so it may jump
    // there; later changes all get an xid at or above w.
    const at = hasMore
      ? last
        ? { txid: last.txid, id: last.id }
        : { txid: c.start.txid, id: c.start.id }
      : wTxid > c.start.txid
        ? { txid: wTxid, id: '' }
        : { txid: c.start.txid, id: c.start.id };
    // A record changed twice within the page arrives once, in its latest state.
    const latest = new Map<string, WireRecord>();
    for (const i of mine) {
      latest.delete(i.id);
      latest.set(i.id, i.record);
    }
    let position = encodePosition({ generation, ...at });
    if (hasMore) {
      const left =
        leftAfter(c.start.left ?? null, mine.length) ?? (await countAfter(client, n, c.col, at, w, c.scope));
      position = withEstimate(position, left);
      result.remaining += Math.max(1, left);
    }
    result.collections[c.key] = { changes: [...latest.values()], position, hasMore, reset: c.start.reset };
  }
  return result;
}

/** Whether `a` sorts before `b` in the id column's collation (ties with the GC horizon are rare). */
async function idBefore(client: pg.PoolClient, a: string, b: string): Promise<boolean> {
  const { rows } = await client.query<{ before: boolean }>('SELECT $1::text < $2::text AS before', [a, b]);
  return rows[0]?.before ?? true;
}
