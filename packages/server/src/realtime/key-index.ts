/**
 * Which connections see which scope keys: the index a change is routed through, so a change
 * costs a few map lookups however many sockets are open. A connection whose keys for a
 * collection are null (a public collection, or `access` answering `'all'`) sees every row of it.
 */

import type { Keys } from '../handler/rules.ts';
import type { StoreChange } from '../stores/types.ts';

/** What the index needs of a connection. */
export interface Indexed {
  /** Collection → the keys last computed for it (absent: not indexed yet). */
  readonly keys: Map<string, Keys>;
}

const slot = (collection: string, column: string, key: string) => `${collection}\u0000${column}\u0000${key}`;

export class KeyIndex<C extends Indexed> {
  readonly #byKey = new Map<string, Set<C>>();
  readonly #everyRow = new Map<string, Set<C>>();

  /** Replaces `conn`'s keys for one collection. */
  set(conn: C, collection: string, keys: Keys): void {
    this.#drop(conn, collection);
    conn.keys.set(collection, keys);
    if (keys === null) add(this.#everyRow, collection, conn);
    else
      for (const [column, values] of keys)
        for (const k of values) add(this.#byKey, slot(collection, column, k), conn);
  }

  /** Forgets every key of `conn`. */
  remove(conn: C): void {
    for (const collection of [...conn.keys.keys()]) this.#drop(conn, collection);
  }

  /**
   * The connections a change touches: those that see every row of its collection, and those
   * holding a key that one of the row's scope columns has now or had before (the gone-marker's
   * old values), so a tombstone and a scope move reach the old key's readers too.
   */
  touched(change: StoreChange, columns: readonly string[] | null, out: (conn: C) => void): void {
    for (const conn of this.#everyRow.get(change.collection) ?? []) out(conn);
    if (columns === null) return;
    for (const column of columns) {
      for (const values of [change.row, change.old]) {
        const value = column === 'id' ? change.id : values?.[column];
        if (values === null || value === null || value === undefined) continue;
        for (const conn of this.#byKey.get(slot(change.collection, column, String(value))) ?? []) out(conn);
      }
    }
  }

  #drop(conn: C, collection: string): void {
    const keys = conn.keys.get(collection);
    if (keys === undefined) return;
    conn.keys.delete(collection);
    if (keys === null) del(this.#everyRow, collection, conn);
    else
      for (const [column, values] of keys)
        for (const k of values) del(this.#byKey, slot(collection, column, k), conn);
  }
}

function add<K, V>(map: Map<K, Set<V>>, key: K, value: V): void {
  const set = map.get(key) ?? new Set<V>();
  map.set(key, set);
  set.add(value);
}

function del<K, V>(map: Map<K, Set<V>>, key: K, value: V): void {
  const set = map.get(key);
  if (!set) return;
  set.delete(value);
  if (set.size === 0) map.delete(key);
}
