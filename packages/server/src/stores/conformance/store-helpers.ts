/** Store-level helpers of the conformance scenarios (store-*.ts): writes and pulls of `tasks`. */
import type { SchemaDef, WireRecord } from '@syncline/core';
import type { ScopeFilter, ServerStore } from '../types.ts';
import type { StoreUnderTest } from './helpers.ts';

/** Opens a fresh, migrated store for one scenario; the suite closes it after the test. */
export type OpenStore = (
  schema?: SchemaDef,
  scopeColumns?: Readonly<Record<string, string | readonly string[]>>,
) => Promise<StoreUnderTest>;

/** Every row of a collection. */
export const PUBLIC: ScopeFilter = { kind: 'public' };
/** The rows of these `listId` keys. */
export const keys = (...k: string[]): ScopeFilter => ({ kind: 'keys', column: 'listId', keys: k });

/** Inserts one record in its own write transaction. */
export const insert = (store: ServerStore, collection: string, id: string, data: Record<string, unknown>) =>
  store.write((tx) => tx.insertRecord(collection, id, data));
/** A task of list `listId`. */
export const task = (id: string, listId = 'L1', title = id) => ({ listId, title, done: false });

/** One page of `tasks`. */
export async function pullOne(
  store: ServerStore,
  position: string | null,
  scope: ScopeFilter = PUBLIC,
  limit = 100,
) {
  const res = await store.pull({ collections: [{ name: 'tasks', position, scope }], limit });
  return res.collections.tasks!;
}

/** Pages through one collection until done; returns the changes in order and the final position. */
export async function drain(
  store: ServerStore,
  position: string | null,
  scope: ScopeFilter = PUBLIC,
  limit = 100,
) {
  const changes: WireRecord[] = [];
  for (;;) {
    const page = await pullOne(store, position, scope, limit);
    changes.push(...page.changes);
    position = page.position;
    if (!page.hasMore) return { changes, position };
  }
}
