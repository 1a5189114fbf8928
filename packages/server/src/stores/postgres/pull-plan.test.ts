/**
 * The PostgreSQL page query walks an index in `(_txid, id)` order (decision 0023): over a table
 * of 20,000 analyzed rows (4,000 per list, pages of 100), EXPLAIN of the statement the store
 * runs has no Sort over the collection's rows, for every row, one key, a few keys (a Merge Append
 * of one index walk per key) and keys of two scope columns. Needs TEST_DATABASE_URL.
 */
import { randomBytes } from 'node:crypto';
import { defineSchema, t } from '@syncline/core';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type { ScopeFilter } from '../types.ts';
import { pgNames } from './ddl.ts';
import { candidatesSql } from './pull.ts';
import { createPostgresStore } from './store.ts';

const url = process.env.TEST_DATABASE_URL;
const schema = defineSchema({
  tasks: { columns: { listId: t.text(), ownerId: t.text(), title: t.text() } },
});
const pgSchema = `sl_plan_${randomBytes(6).toString('hex')}`;
const indexed = ['listId', 'ownerId'];

interface PlanNode {
  'Node Type': string;
  'Index Name'?: string;
  'Relation Name'?: string;
  Plans?: PlanNode[];
}
const nodes = (p: PlanNode): PlanNode[] => [p, ...(p.Plans ?? []).flatMap(nodes)];

describe.skipIf(!url)('postgres pull plan', () => {
  const client = new pg.Client({ connectionString: url });
  beforeAll(async () => {
    const store = createPostgresStore({
      connectionString: url!,
      schema,
      pgSchema,
      scopeColumns: { tasks: indexed },
    });
    await store.migrate();
    await store.close();
    await client.connect();
    await client.query(
      `INSERT INTO ${pgSchema}.tasks (id, list_id, owner_id, title)
       SELECT 't' || i, 'L' || (i % 5), 'u' || (i % 7), 'task ' || i FROM generate_series(1, 20000) i`,
    );
    await client.query(`ANALYZE ${pgSchema}.tasks`);
  });
  afterAll(async () => {
    await client.query(`DROP SCHEMA IF EXISTS ${pgSchema} CASCADE`);
    await client.end();
  });

  const scopes: Array<[string, ScopeFilter]> = [
    ['every row', { kind: 'public' }],
    ['one key', { kind: 'keys', column: 'listId', keys: ['L1'] }],
    ['three keys', { kind: 'keys', column: 'listId', keys: ['L1', 'L2', 'L3'] }],
    [
      'keys of two scope columns',
      {
        kind: 'any',
        of: [
          { column: 'listId', keys: ['L1', 'L2'] },
          { column: 'ownerId', keys: ['u1'] },
        ],
      },
    ],
  ];
  test.each(scopes)('a page of %s has no Sort node', async (_, scope) => {
    const col = schema.collections.tasks!;
    const start = { txid: 0n, id: '', reset: false };
    const { sql, params } = candidatesSql(
      pgNames(pgSchema),
      col,
      start,
      '18446744073709551615',
      scope,
      scope,
      101,
      indexed,
    );
    const { rows } = await client.query(`EXPLAIN (FORMAT JSON) ${sql}`, params);
    const plan = nodes((rows[0]['QUERY PLAN'] as Array<{ Plan: PlanNode }>)[0]!.Plan);
    // No sort over the collection's rows (the gone-markers' DISTINCT ON keeps its own, over the
    // few markers after the position).
    const sorts = plan.filter((n) => n['Node Type'] === 'Sort' || n['Node Type'] === 'Incremental Sort');
    expect(sorts.filter((s) => nodes(s).some((n) => n['Relation Name'] === 'tasks'))).toEqual([]);
    expect(plan.some((n) => n['Node Type'] === 'Merge Append')).toBe(true);
    expect(plan.some((n) => n['Index Name']?.startsWith('tasks__sl_'))).toBe(true);
  });
});
