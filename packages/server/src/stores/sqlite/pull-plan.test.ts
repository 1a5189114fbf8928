/**
 * The SQLite page query walks an index in version order (decision 0023): EXPLAIN QUERY PLAN of
 * the statement the store runs shows an index search and no temporary B-tree for the ORDER BY,
 * for every row, a few keys (one index walk per key, merged), keys of two scope columns, and
 * more keys than a merge takes (the version index with the scope as a filter).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { defineSchema, t } from '@syncline/core';
import Database from 'better-sqlite3';
import { afterAll, expect, test } from 'vitest';
import { MERGE_KEYS } from '../sql-pull.ts';
import type { ScopeFilter } from '../types.ts';
import { rowsSql } from './pull.ts';
import { createSqliteStore } from './store.ts';

const dir = mkdtempSync(join(tmpdir(), 'syncline-pull-plan-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const schema = defineSchema({
  tasks: { columns: { listId: t.text(), ownerId: t.text(), title: t.text() } },
});
const many = Array.from({ length: MERGE_KEYS + 1 }, (_, i) => `L${i}`);
const scopes: Array<[string, ScopeFilter, string]> = [
  ['every row', { kind: 'public' }, 'tasks__sl_version'],
  ['one key', { kind: 'keys', column: 'listId', keys: ['L1'] }, 'tasks__sl_scope_version'],
  ['three keys', { kind: 'keys', column: 'listId', keys: ['L1', 'L2', 'L3'] }, 'tasks__sl_scope_version'],
  [
    'keys of two scope columns',
    {
      kind: 'any',
      of: [
        { column: 'listId', keys: ['L1', 'L2'] },
        { column: 'ownerId', keys: ['u1'] },
      ],
    },
    'tasks__sl_scope_owner_id_version',
  ],
  [`${many.length} keys`, { kind: 'keys', column: 'listId', keys: many }, 'tasks__sl_version'],
];

test.each(scopes)(
  'a page of %s walks an index in version order, with no temp B-tree',
  async (_, scope, index) => {
    const path = join(dir, `plan-${index}-${Math.random().toString(36).slice(2)}.sqlite`);
    const store = createSqliteStore({ path, schema, scopeColumns: { tasks: ['listId', 'ownerId'] } });
    await store.migrate();
    await store.write(async (tx) => {
      for (let i = 0; i < 300; i++)
        await tx.insertRecord('tasks', `t${i}`, {
          listId: `L${i % 40}`,
          ownerId: `u${i % 3}`,
          title: `${i}`,
        });
    });
    await store.close();
    const db = new Database(path, { readonly: true });
    try {
      const { sql, params } = rowsSql(schema.collections.tasks!, 10, scope, 101, ['listId', 'ownerId']);
      const plan = (db.prepare(`EXPLAIN QUERY PLAN ${sql}`).all(...params) as Array<{ detail: string }>).map(
        (r) => r.detail,
      );
      expect(plan.some((d) => d.includes(`USING INDEX ${index} `))).toBe(true);
      expect(plan.filter((d) => d.includes('TEMP B-TREE'))).toEqual([]);
      // The rows themselves: in version order, in scope, none twice.
      const rows = db.prepare(sql).all(...params) as Array<{ id: string; version: number; list_id: string }>;
      const versions = rows.map((r) => r.version);
      expect(versions).toEqual([...versions].sort((a, b) => a - b));
      expect(new Set(rows.map((r) => r.id)).size).toBe(rows.length);
      expect(versions.every((v) => v > 10)).toBe(true);
    } finally {
      db.close();
    }
  },
);
