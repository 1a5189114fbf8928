/**
 * The server-store conformance suite: named scenarios, one `test()` each, run against every
 * ServerStore (SQLite and PostgreSQL); the scenarios live by topic in store-writes.ts, store-pull.ts and store-feed.ts. Store-agnostic: plain SQL only through the factory's
 * `rawSql` hook, with `?` placeholders and snake_case names.
 *
 * @example
 * runServerStoreSuite('sqlite', async (schema, hints) => {
 *   const store = createSqliteStore({ path, schema, scopeColumns: hints.scopeColumns });
 *   return { store, rawSql: async (sql, params) => { other.prepare(sql).run(...(params ?? [])); } };
 * });
 */
import type { SchemaDef } from '@syncline/core';
import { afterEach, describe } from 'vitest';
import type { MakeStore, StoreUnderTest } from './helpers.ts';
import { suiteSchema, suiteScopeColumns } from './helpers.ts';
import { feedScenarios } from './store-feed.ts';
import type { OpenStore } from './store-helpers.ts';
import { pullScenarios } from './store-pull.ts';
import { writeScenarios } from './store-writes.ts';

export type { MakeStore, StoreUnderTest } from './helpers.ts';
export { client, suiteRules, suiteSchema, testAuth } from './helpers.ts';

export type { OpenStore } from './store-helpers.ts';

/**
 * Runs every scenario against stores made by `makeStore` (a fresh, empty database per call).
 * `extra` adds groups of scenarios of your own (e.g. handler-level ones) that open stores the
 * same way and are cleaned up the same way.
 */
export function runServerStoreSuite(
  name: string,
  makeStore: MakeStore,
  extra: Record<string, (open: OpenStore) => void> = {},
): void {
  const open: StoreUnderTest[] = [];
  const make = async (schema: SchemaDef = suiteSchema, scopeColumns = suiteScopeColumns) => {
    const s = await makeStore(schema, { scopeColumns });
    open.push(s);
    await s.store.migrate();
    return s;
  };
  afterEach(async () => {
    for (const s of open.splice(0)) {
      await s.store.close();
      await s.dispose?.();
    }
  });

  describe(`server store conformance: ${name}`, () => {
    describe('store', () => {
      writeScenarios(make);
      pullScenarios(make);
      feedScenarios(make);
    });
    for (const [group, scenarios] of Object.entries(extra)) describe(group, () => scenarios(make));
  });
}
