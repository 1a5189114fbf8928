/**
 * `@syncline/client/store`: what a LocalStore author needs beside the contract's types (those
 * are exported by `@syncline/client`: `LocalStore`, `LocalReadTx`, `LocalWriteTx`, …) — the
 * in-memory query evaluator for stores without a query language, the value order every store
 * must sort by, and query validation. Run `@syncline/client/conformance` against the store.
 *
 * @example
 * import { runQuery, validateQuery } from '@syncline/client/store';
 * validateQuery('tasks', columnsOf('tasks'), query); // throws `invalid` for an unknown column
 * const rows = runQuery(rowsOfTasksInIdOrder, query);
 */
export { compare, META_COLUMNS, runQuery, validateQuery } from './row-query.ts';
