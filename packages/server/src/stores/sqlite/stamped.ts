/**
 * The sync server's own inserts and updates on SQLite, stamped by the server itself (decision
 * 0026): a statement takes a range of versions from the counter at once (`_syncline_reserved`)
 * and writes every row with its final `version`, `updated_at`, `updated_by` and `_fv`, one
 * distinct version per row, in the order of the rows. The triggers leave such rows alone, so a
 * row is written once instead of twice (the insert, then the trigger's stamping update) and the
 * statement's RETURNING is the stored row (no read back).
 *
 * An update that changes a scope-candidate column (which leaves a gone-marker) is not stamped here:
 * it goes through the triggers as any other write.
 */
import type { CollectionDef, SchemaDef, WireRecord } from '@syncline/core';
import { SynclineError } from '@syncline/core';
import { toSnake } from '@syncline/core/internal';
import { collectionOf } from '../sql-dialect.ts';
import type { Row } from '../sql-rows.ts';
import { q, selectList } from '../sql-rows.ts';
import type { WriteTx } from '../types.ts';
import { jsonSetChunked, NOW_SQL } from './ddl.ts';
import { rowToRecord, sqlAssignments } from './records.ts';
import { sqliteDialect } from './sql.ts';

type All = (sql: string, params?: readonly unknown[]) => Row[];

/** What the stamped writes need from the transaction. */
export interface StampContext {
  all: All;
  schema: SchemaDef;
  /** Per collection, the snake_case columns whose change leaves a gone-marker (see ddl.ts). */
  candidates: ReadonlyMap<string, ReadonlySet<string>>;
  /** The user `writeAs` named (the triggers' `updated_by`), or null. */
  writer(): string | null;
  /** Called once a range was reserved: the store empties `_syncline_reserved` before commit. */
  onReserve(): void;
  /** The trigger path, for an update that must leave a gone-marker. */
  updateRecord: WriteTx['updateRecord'];
}

export type StampedWrites = Required<
  Pick<WriteTx, 'insertRecord' | 'insertRecords' | 'updateRecord' | 'updateRecords'>
>;

export function stampedWrites(c: StampContext): StampedWrites {
  const { all } = c;
  /** Takes `n` versions from the counter: the first is the answer plus one. */
  const reserve = (n: number): number => {
    const [row] = all('UPDATE _syncline_counter SET value = value + ? WHERE id = 1 RETURNING value', [n]);
    const hi = Number(row!.value);
    all('INSERT OR REPLACE INTO _syncline_reserved (id, lo, hi) VALUES (1, ?, ?)', [hi - n, hi]);
    c.onReserve();
    return hi - n;
  };
  const notFound = (name: string, id: string) =>
    new SynclineError('not_found', `No record "${id}" in "${name}".`);

  const insertRecords: StampedWrites['insertRecords'] = async (name, records) => {
    const col = collectionOf(c.schema, name);
    const out = new Map<string, WireRecord>();
    // Grouped by column set: a missing optional column must get its default, not NULL.
    const groups = new Map<string, Array<{ id: string; pairs: Array<[string, unknown]> }>>();
    for (const r of records) {
      const pairs = sqlAssignments(col, r.data);
      const key = pairs.map(([n]) => n).join(',');
      const group = groups.get(key) ?? [];
      groups.set(key, group);
      group.push({ id: r.id, pairs });
    }
    const user = c.writer();
    for (const group of groups.values()) {
      const names = group[0]!.pairs.map(([n]) => n);
      const cols = ['id', ...names.map(q), 'version', 'updated_at', 'updated_by', '_fv'].join(', ');
      const row = `(${['?', ...names.map(() => '?'), '?', NOW_SQL, '?', "'{}'"].join(', ')})`;
      const per = Math.max(1, Math.floor(sqliteDialect.maxParams / (names.length + 3)));
      for (let at = 0; at < group.length; at += per) {
        const chunk = group.slice(at, at + per);
        let version = reserve(chunk.length);
        const params: unknown[] = [];
        for (const r of chunk) {
          params.push(r.id);
          for (const [, v] of r.pairs) params.push(v);
          params.push(++version, user);
        }
        const got = all(
          `INSERT INTO ${sqliteDialect.table(name)} (${cols}) VALUES ${Array(chunk.length).fill(row).join(', ')} RETURNING ${selectList(col)}`,
          params,
        );
        for (const r of got) out.set(String(r.id), rowToRecord(col, r));
      }
    }
    const missing = records.find((r) => !out.has(r.id));
    if (missing) throw notFound(name, missing.id);
    return out;
  };

  /** The stamped UPDATE of one row with version `version`; null when it must take the trigger path. */
  const stampedUpdate = (col: CollectionDef, id: string, patch: Record<string, unknown>, version: number) => {
    const pairs = sqlAssignments(col, patch);
    const fvParams: unknown[] = [];
    const changed = new Map(pairs);
    const fv = jsonSetChunked(
      "COALESCE(_fv, '{}')",
      Object.keys(col.columns).map((name) => {
        const s = toSnake(name);
        const kept = `COALESCE(json_extract(_fv, '$.${s}'), 0)`;
        if (!changed.has(s)) return [s, kept];
        fvParams.push(changed.get(s), version);
        return [s, `CASE WHEN ? IS NOT ${q(s)} THEN ? ELSE ${kept} END`];
      }),
    );
    const set = [
      ...pairs.map(([n]) => `${q(n)} = ?`),
      'version = ?',
      `updated_at = ${NOW_SQL}`,
      'updated_by = ?',
    ];
    const [row] = all(
      `UPDATE ${sqliteDialect.table(col.name)} SET ${set.join(', ')}, _fv = ${fv} WHERE id = ? RETURNING ${selectList(col)}`,
      [...pairs.map(([, v]) => v), version, c.writer(), ...fvParams, id],
    );
    if (!row) throw notFound(col.name, id);
    return rowToRecord(col, row);
  };

  /** Whether the update of `patch` may be stamped here (it changes some column, no scope candidate). */
  const stampable = (col: CollectionDef, patch: Record<string, unknown>): boolean => {
    const moved = c.candidates.get(col.name);
    let any = false;
    for (const [name, v] of Object.entries(patch)) {
      if (!Object.hasOwn(col.columns, name) || v === undefined) continue;
      if (moved?.has(toSnake(name))) return false;
      any = true;
    }
    return any;
  };

  const updateRecords: StampedWrites['updateRecords'] = async (name, records) => {
    const col = collectionOf(c.schema, name);
    const out = new Map<string, WireRecord>();
    const stamped = records.filter((r) => stampable(col, r.patch));
    let version = stamped.length > 0 ? reserve(stamped.length) : 0;
    for (const r of records) {
      out.set(
        r.id,
        stampable(col, r.patch)
          ? stampedUpdate(col, r.id, r.patch, ++version)
          : await c.updateRecord(name, r.id, r.patch),
      );
    }
    return out;
  };

  return {
    insertRecords,
    insertRecord: async (name, id, data) => (await insertRecords(name, [{ id, data }])).get(id)!,
    updateRecords,
    updateRecord: async (name, id, patch) => (await updateRecords(name, [{ id, patch }])).get(id)!,
  };
}
