/**
 * `@syncline/client/store`: what a LocalStore author needs beside the contract's types (those
 * are exported by `@syncline/client`: `LocalStore`, `LocalReadTx`, `LocalWriteTx`, …) — the
 * in-memory query evaluator for stores without a query language, the value order every store
 * must sort by, query validation, and the small pieces of the contract every store computes the
 * same way (queryable columns, rows read under a newer schema, outbox selection, rejection order,
 * `open()`'s report). Run `@syncline/client/conformance` against the store.
 *
 * @example
 * import { queryColumns, runQuery, validateQuery } from '@syncline/client/store';
 * validateQuery('tasks', new Set(queryColumns(tasksDef)), query); // throws `invalid` for an unknown column
 * const rows = runQuery(rowsOfTasksInIdOrder, query);
 */
export { compare, META_COLUMNS, runQuery, validateQuery } from './row-query.ts';
export * from './store-helpers.ts';
