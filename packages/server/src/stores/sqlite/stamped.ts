/**
 * The push's batch writes on SQLite, stamped by the statement itself (decision 0031): one multi-row
 * INSERT or UPDATE … FROM (VALUES …) per chunk writes each row's columns together with its version
 * (from a range reserved on the counter, one version per row, in the batch's order), `updated_at`,
 * `updated_by` and `_fv`, and answers the rows with RETURNING. The triggers' stamping UPDATE (a
 * second write of every row and of its indexes) and the read back are skipped: while the
 * `stamping` row of `_syncline_meta` exists (set around these statements only, never committed)
 * the triggers leave the rows alone. Everything else still goes through the triggers, so plain SQL
 * and the per-mutation path are synced as before.
 *
 * Used only on tables whose triggers know the `stamping` row (created by this version's
 * migrate); an update that writes a scope candidate (it needs the update trigger's gone-marker)
 * takes the trigger path.
 */
import type { CollectionDef } from '@syncline/core';
import type { Row } from '../sql-rows.ts';
import { columnList, q, selectList } from '../sql-rows.ts';
import { fieldVersionsSql, NOW_SQL, STAMPED_MARK, STAMPING_KEY } from './ddl.ts';

type All = (sql: string, params?: readonly unknown[]) => Row[];
type Pairs = Array<[string, unknown]>;

/** Stamped writes over one transaction's statement runner; null for a table it cannot stamp. */
export interface StampedWrites {
  /** The scope candidates of a collection's update trigger, or null when its triggers cannot be skipped. */
  candidates(table: string): ReadonlySet<string> | null;
  insert(
    col: CollectionDef,
    table: string,
    columns: readonly string[],
    rows: ReadonlyArray<{ id: string; pairs: Pairs }>,
    writer: string | null,
  ): Row[];
  update(
    col: CollectionDef,
    table: string,
    columns: readonly string[],
    rows: ReadonlyArray<{ id: string; pairs: Pairs }>,
    writer: string | null,
  ): Row[];
}

/** Rows per statement: powers of two, so a few prepared statements serve every batch size. */
function chunkSize(remaining: number, perRow: number): number {
  let size = 512;
  while (size > 1 && (size > remaining || size * perRow + 2 > 32_766)) size /= 2;
  return size;
}

export function stampedWrites(all: All): StampedWrites {
  const known = new Map<string, ReadonlySet<string> | null>();

  /** Reserves `n` versions; the first of them. */
  const reserve = (n: number): number => {
    const [row] = all('UPDATE _syncline_counter SET value = value + ? WHERE id = 1 RETURNING value', [n]);
    return Number(row!.value) - n + 1;
  };
  const stamping = <T>(fn: () => T): T => {
    all(`INSERT OR REPLACE INTO _syncline_meta (key, value) VALUES ('${STAMPING_KEY}', '1')`);
    try {
      return fn();
    } finally {
      all(`DELETE FROM _syncline_meta WHERE key = '${STAMPING_KEY}'`);
    }
  };
  const now = (): string => String(all(`SELECT ${NOW_SQL} AS now`)[0]!.now);

  /** Runs `build(size)` per chunk with params [now, writer, ...row params]; every returned row. */
  const chunked = (
    rows: ReadonlyArray<{ id: string; pairs: Pairs }>,
    columns: number,
    writer: string | null,
    sql: (size: number) => string,
  ): Row[] => {
    const out: Row[] = [];
    const stamp = now();
    stamping(() => {
      let version = reserve(rows.length);
      for (let at = 0; at < rows.length; ) {
        const size = chunkSize(rows.length - at, columns + 2);
        const params: unknown[] = [stamp, writer];
        for (let i = at; i < at + size; i++) {
          const r = rows[i]!;
          params.push(r.id, version++);
          for (const [, v] of r.pairs) params.push(v);
        }
        at += size;
        for (const row of all(sql(size), params)) out.push(row);
      }
    });
    return out;
  };

  /**
   * `(?, ?, …), (…)`: `size` rows of `width` parameters. The statements place the stamp and the
   * writer (the first two parameters) before this list, so the order of the text is theirs.
   */
  const valuesList = (size: number, width: number): string =>
    Array(size).fill(`(${Array(width).fill('?').join(', ')})`).join(', ');
  const sqlCache = new Map<string, string>();
  const cached = (key: string, build: () => string): string => {
    let sql = sqlCache.get(key);
    if (sql === undefined) {
      sql = build();
      sqlCache.set(key, sql);
    }
    return sql;
  };

  return {
    candidates(table) {
      if (known.has(table)) return known.get(table)!;
      const triggers = all("SELECT name, sql FROM sqlite_master WHERE type = 'trigger' AND name IN (?, ?)", [
        `${table}__sl_ai`,
        `${table}__sl_au`,
      ]);
      let found: ReadonlySet<string> | null = null;
      const ai = triggers.find((t) => t.name === `${table}__sl_ai`);
      const au = triggers.find((t) => t.name === `${table}__sl_au`);
      const mark = au ? String(au.sql).indexOf(STAMPED_MARK) : -1;
      if (ai && String(ai.sql).includes(STAMPING_KEY) && mark >= 0) {
        const rest = String(au!.sql).slice(mark + STAMPED_MARK.length);
        const list = JSON.parse(rest.slice(0, rest.indexOf('\n'))) as string[];
        found = new Set(list);
      }
      known.set(table, found);
      return found;
    },

    insert(col, table, columns, rows, writer) {
      const t = q(table);
      return chunked(rows, columns.length, writer, (size) =>
        cached(`i\u0000${table}\u0000${columns.join(',')}\u0000${size}`, () => {
          const names = ['id', 'version', ...columns.map(q)];
          const picks = names.map((_, i) => `column${i + 1}`);
          return `INSERT INTO ${t} (${names.join(', ')}, updated_at, updated_by, _fv)
            SELECT ${picks.join(', ')}, ?, ?, '{}' FROM (VALUES ${valuesList(size, names.length)})
            RETURNING ${selectList(col)}`;
        }),
      );
    },

    update(col, table, columns, rows, writer) {
      const t = q(table);
      return chunked(rows, columns.length, writer, (size) =>
        cached(`u\u0000${table}\u0000${columns.join(',')}\u0000${size}`, () => {
          const at = new Map(columns.map((c, i) => [c, `_sl_v.column${i + 3}`]));
          const fv = fieldVersionsSql(
            columnList(col).map(([, snake]) => snake),
            `${t}._fv`,
            '_sl_v.column2',
            (c) => `${t}.${q(c)}`,
            (c) => at.get(c) ?? `${t}.${q(c)}`,
          );
          const set = [...at].map(([c, v]) => `${q(c)} = ${v}`);
          return `UPDATE ${t} SET ${set.join(', ')}, version = _sl_v.column2, updated_at = ?, updated_by = ?,
            _fv = ${fv}
            FROM (VALUES ${valuesList(size, columns.length + 2)}) AS _sl_v WHERE ${t}.id = _sl_v.column1
            RETURNING ${selectList(col)}`;
        }),
      );
    },
  };
}
