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
import type { CollectionDef, WireRecord } from '@syncline/core';
import type { Row } from '../sql-rows.ts';
import { columnList, q, selectList } from '../sql-rows.ts';
import { fieldVersionsSql, NOW_SQL, SQL_TYPE, STAMPED_MARK, STAMPING_KEY } from './ddl.ts';
import { valuesToRecord } from './records.ts';

type All = (sql: string, params?: readonly unknown[]) => Row[];
type AllRaw = (sql: string, params?: readonly unknown[]) => unknown[][];
type Pairs = Array<[string, unknown]>;
type Rows = ReadonlyArray<{ id: string; pairs: Pairs }>;

/** What the stamped writes may do on one table, read from its triggers and columns. */
export interface Stampable {
  /** The scope candidates (snake names) of its update trigger: an update writing one takes the trigger path. */
  candidates: ReadonlySet<string>;
  /**
   * Whether every schema column has the type migrate gives it: then a value reads back as it was
   * bound, and an insert of every column needs no RETURNING (an app's own table may differ).
   */
  exactTypes: boolean;
}

/** Stamped writes over one transaction's statement runners. */
export interface StampedWrites {
  /** Null when the table's triggers predate the `stamping` row (not migrated by this version). */
  stampable(col: CollectionDef, table: string): Stampable | null;
  insert(
    col: CollectionDef,
    table: string,
    columns: readonly string[],
    rows: Rows,
    writer: string | null,
  ): Map<string, WireRecord>;
  update(
    col: CollectionDef,
    table: string,
    columns: readonly string[],
    rows: Rows,
    writer: string | null,
  ): Map<string, WireRecord>;
}

/** Rows per statement: powers of two, so a few prepared statements serve every batch size. */
function chunkSize(remaining: number, perRow: number): number {
  let size = 512;
  while (size > 1 && (size > remaining || size * perRow + 2 > 32_766)) size /= 2;
  return size;
}

export function stampedWrites(all: All, allRaw: AllRaw): StampedWrites {
  const known = new Map<string, Stampable | null>();

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

  /**
   * Runs `sql(size)` per chunk with parameters [stamp, writer, then per row id, version and its
   * values]; `each` sees every row's version and, with RETURNING, the rows answered.
   */
  const chunked = (
    rows: Rows,
    columns: number,
    writer: string | null,
    sql: (size: number) => string,
    returning: boolean,
    each: (answered: unknown[][], from: number, size: number, firstVersion: number, stamp: string) => void,
  ): void => {
    const stamp = String(all(`SELECT ${NOW_SQL} AS now`)[0]!.now);
    stamping(() => {
      let version = reserve(rows.length);
      for (let at = 0; at < rows.length; ) {
        const size = chunkSize(rows.length - at, columns + 2);
        const params: unknown[] = [stamp, writer];
        for (let i = at; i < at + size; i++) {
          const r = rows[i]!;
          params.push(r.id, version + i - at);
          for (const [, v] of r.pairs) params.push(v);
        }
        if (returning) each(allRaw(sql(size), params), at, size, version, stamp);
        else {
          all(sql(size), params);
          each([], at, size, version, stamp);
        }
        version += size;
        at += size;
      }
    });
  };
  /**
   * `(?, ?, …), (…)`: `size` rows of `width` parameters. The statements place the stamp and the
   * writer (the first two parameters) before this list, so the order of the text is theirs.
   */
  const valuesList = (size: number, width: number): string =>
    Array(size)
      .fill(`(${Array(width).fill('?').join(', ')})`)
      .join(', ');
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
    stampable(col, table) {
      if (known.has(table)) return known.get(table)!;
      const triggers = all("SELECT name, sql FROM sqlite_master WHERE type = 'trigger' AND name IN (?, ?)", [
        `${table}__sl_ai`,
        `${table}__sl_au`,
      ]);
      const ai = String(triggers.find((t) => t.name === `${table}__sl_ai`)?.sql ?? '');
      const au = String(triggers.find((t) => t.name === `${table}__sl_au`)?.sql ?? '');
      const mark = au.indexOf(STAMPED_MARK);
      let found: Stampable | null = null;
      if (ai.includes(STAMPING_KEY) && mark >= 0) {
        const rest = au.slice(mark + STAMPED_MARK.length);
        const types = new Map(
          all(`PRAGMA table_info(${q(table)})`).map((c) => [String(c.name), String(c.type).toUpperCase()]),
        );
        found = {
          candidates: new Set(JSON.parse(rest.slice(0, rest.indexOf('\n'))) as string[]),
          exactTypes: columnList(col).every(([, snake, kind]) => types.get(snake) === SQL_TYPE[kind]),
        };
      }
      known.set(table, found);
      return found;
    },

    insert(col, table, columns, rows, writer) {
      const t = q(table);
      const list = columnList(col);
      // Every column written, in the types migrate gives: each value reads back as bound.
      const complete = known.get(table)?.exactTypes === true && columns.length === list.length;
      const out = new Map<string, WireRecord>();
      const place = complete ? list.map(([, snake]) => columns.indexOf(snake)) : [];
      chunked(
        rows,
        columns.length,
        writer,
        (size) =>
          cached(`i\u0000${table}\u0000${columns.join(',')}\u0000${size}`, () => {
            const names = ['id', 'version', ...columns.map(q)];
            const picks = names.map((_, i) => `column${i + 1}`);
            return `INSERT INTO ${t} (${names.join(', ')}, updated_at, updated_by, _fv)
            SELECT ${picks.join(', ')}, ?, ?, '{}' FROM (VALUES ${valuesList(size, names.length)})${
              complete ? '' : ` RETURNING ${selectList(col)}`
            }`;
          }),
        !complete,
        (answered, from, size, version, stamp) => {
          if (!complete) {
            for (const values of answered) out.set(String(values[0]), valuesToRecord(col, values));
            return;
          }
          for (let i = from; i < from + size; i++) {
            const r = rows[i]!;
            const values: unknown[] = [r.id];
            for (const at of place) values.push(r.pairs[at]![1]);
            values.push(version + i - from, stamp, writer, null);
            out.set(r.id, valuesToRecord(col, values));
          }
        },
      );
      return out;
    },

    update(col, table, columns, rows, writer) {
      const t = q(table);
      const out = new Map<string, WireRecord>();
      chunked(
        rows,
        columns.length,
        writer,
        (size) =>
          cached(`u\u0000${table}\u0000${columns.join(',')}\u0000${size}`, () => {
            const at = new Map(columns.map((c, i) => [c, `_sl_v.column${i + 3}`]));
            const fv = fieldVersionsSql(
              columnList(col).map(([, snake]) => snake),
              `${t}._fv`,
              'CAST(_sl_v.column2 AS INTEGER)',
              (c) => `${t}.${q(c)}`,
              (c) => at.get(c) ?? `${t}.${q(c)}`,
            );
            const set = [...at].map(([c, v]) => `${q(c)} = ${v}`);
            return `UPDATE ${t} SET ${set.join(', ')}, version = CAST(_sl_v.column2 AS INTEGER), updated_at = ?, updated_by = ?,
            _fv = ${fv}
            FROM (VALUES ${valuesList(size, columns.length + 2)}) AS _sl_v WHERE ${t}.id = _sl_v.column1
            RETURNING ${selectList(col)}`;
          }),
        true,
        (answered) => {
          for (const values of answered) out.set(String(values[0]), valuesToRecord(col, values));
        },
      );
      return out;
    },
  };
}
