/**
 * `@syncline/client/store`: what a LocalStore author needs beside the contract's types — the
 * in-memory query evaluator (for stores without a query language), the value order every store
 * must sort by, and query validation. Run `@syncline/client/conformance` against the store.
 *
 * @example
 * import { runQuery, validateQuery } from '@syncline/client/store';
 * const rows = runQuery(allRowsOfCollection, validateQuery(schema, 'tasks', query));
 */
export type {
  Comparison,
  LocalReadTx,
  LocalRecord,
  LocalRow,
  LocalStore,
  LocalWriteTx,
  OpenResult,
  OutboxEntry,
  Query,
  StoredRejection,
  Where,
} from './local-store.ts';
export { compare, META_COLUMNS, runQuery, validateQuery } from './row-query.ts';
