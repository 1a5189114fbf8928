/**
 * The LocalStore conformance suite (ARCHITECTURE.md §13): named scenarios, one `test()` each, run against
 * every real store (SQLite drivers, IndexedDB, the in-memory store). It depends only on the
 * contract in `../local-store.ts` and on `@syncline/core`, never on the engine.
 */
import { afterEach, describe } from 'vitest';
import { Harness, type LocalStoreFactory } from './harness.ts';
import { dataScenarios } from './scenarios-data.ts';
import { lifecycleScenarios } from './scenarios-lifecycle.ts';
import { outboxScenarios } from './scenarios-outbox.ts';

export type { LocalStoreFactory } from './harness.ts';

/** Options of {@link runLocalStoreSuite}. */
export interface LocalStoreSuiteOptions {
  /** The store keeps its data across `close()` and a new `create()` on the same location; enables the persistence scenarios. */
  persistent?: boolean;
}

/**
 * Registers the LocalStore conformance scenarios under `describe(name)`. Each test uses a fresh
 * location, and closes and cleans up every store it made. Without `persistent`, "reopen" means
 * calling `open()` again on the same instance.
 *
 * @example
 * runLocalStoreSuite('sqlite (better-sqlite3)', {
 *   create: (path) => createSqliteLocalStore(betterSqlite3Driver(path)),
 *   newLocation: () => join(dir, `${randomUUID()}.db`),
 *   cleanup: (path) => rmSync(path, { force: true }),
 * }, { persistent: true });
 */
export function runLocalStoreSuite(
  name: string,
  factory: LocalStoreFactory,
  opts: LocalStoreSuiteOptions = {},
): void {
  describe(`LocalStore conformance: ${name}`, () => {
    const harness = new Harness(factory, opts.persistent ?? false);
    afterEach(() => harness.dispose());
    lifecycleScenarios(harness);
    dataScenarios(harness);
    outboxScenarios(harness);
  });
}
