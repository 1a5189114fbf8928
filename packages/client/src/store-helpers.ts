import type { CollectionDef, SchemaDef } from '@syncline/core';
import type { LocalRow, OpenResult, OutboxEntry, StoredRejection } from './local-store.ts';
import { META_COLUMNS } from './row-query.ts';

/**
 * Every queryable column of a collection: the metadata columns (`id`, `version`, `updatedAt`,
 * `updatedBy`, `deletedAt`), then the schema's own, in schema order.
 *
 * @example
 * validateQuery('tasks', new Set(queryColumns(schema.collections.tasks)), query);
 */
export function queryColumns(def: CollectionDef): string[] {
  return [...META_COLUMNS, ...Object.keys(def.columns)];
}

/**
 * A stored row as the current schema sees it: a column added by a migration after the row was
 * written reads as null. Returns `row` itself when no column of `columns` is missing, else a
 * shallow copy with the missing ones set to null.
 *
 * @example
 * withNewColumns({ id: 'a', version: 1, title: 'x' }, ['title', 'done']); // { …, title: 'x', done: null }
 */
export function withNewColumns(row: LocalRow, columns: readonly string[]): LocalRow {
  let out = row;
  for (const column of columns) {
    if (column in out) continue;
    if (out === row) out = { ...row };
    (out as Record<string, unknown>)[column] = null;
  }
  return out;
}

/**
 * Id order (code-unit order, as SQLite and IndexedDB order strings): the order `runQuery` wants
 * its rows in, and the order in which to issue a batch of record writes.
 *
 * @example
 * rows.sort(compareIds);
 */
export function compareIds(a: { id: string }, b: { id: string }): number {
  return a.id < b.id ? -1 : a.id > b.id ? 1 : 0;
}

/**
 * The outbox entries `LocalReadTx.outbox(opts)` returns, picked from `entries` in key order:
 * those of `opts.collection` and `opts.id` when given, at most `opts.limit`.
 *
 * @example
 * selectOutbox(allEntriesInKeyOrder, { collection: 'tasks', id: 'a', limit: 1 });
 */
export function selectOutbox(
  entries: readonly OutboxEntry[],
  opts: { limit?: number; collection?: string; id?: string },
): OutboxEntry[] {
  const { limit, collection, id } = opts;
  const picked = entries.filter(
    (e) => (collection === undefined || e.collection === collection) && (id === undefined || e.id === id),
  );
  return picked.slice(0, limit);
}

/**
 * Stored rejections oldest first (`createdAt`), as `LocalReadTx.rejections()` returns them; a
 * stable sort, so equal times keep the order of `rejections`. Returns a new array.
 *
 * @example
 * return oldestFirst(await allRejections());
 */
export function oldestFirst(rejections: readonly StoredRejection[]): StoredRejection[] {
  return [...rejections].sort((a, b) => a.createdAt - b.createdAt);
}

/**
 * What `LocalStore.open(schema)` reports: the collections with no stored fingerprint (`added`)
 * and those whose stored fingerprint differs (`changed`), in schema order. The store then stores
 * the new fingerprint of each collection it lists, in the same transaction.
 *
 * @example
 * const result = fingerprintChanges(schema, (name) => stored.get(name));
 * for (const name of [...result.added, ...result.changed]) save(name, schema.collections[name].fingerprint);
 */
export function fingerprintChanges(
  schema: SchemaDef,
  stored: (collection: string) => string | undefined,
): OpenResult {
  const result: OpenResult = { added: [], changed: [] };
  for (const c of Object.values(schema.collections) as CollectionDef[]) {
    const old = stored(c.name);
    if (old === c.fingerprint) continue;
    (old === undefined ? result.added : result.changed).push(c.name);
  }
  return result;
}
