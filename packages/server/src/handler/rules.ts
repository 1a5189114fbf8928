/**
 * Access rules as declarative scope keys (ARCHITECTURE.md §7, decision 0012). One rule drives the pull
 * filter, the write check and the detection of gained and lost keys. A row may be readable
 * through several scope columns: it is readable when any of them holds one of the caller's keys
 * for that column. Deny by default: outside dev mode a collection without rules is not served;
 * in dev mode it is public and writable by every signed-in user.
 */
import type { WireRecord } from '@syncline/core';
import type { AccessKeys, AuthContext, CollectionRules, Rules } from '../api.ts';
import type { ScopeFilter, SqlDb } from '../stores/types.ts';

const DEV_RULES: CollectionRules = { scope: 'public', write: () => true };

/**
 * The caller's keys: scope column → keys (every scope column present, maybe with no key), or
 * null for every row (a public collection, or `access` answering `'all'`).
 */
export type Keys = ReadonlyMap<string, readonly string[]> | null;

/** The rules serving `collection`, or null when it is not served. */
export function rulesFor(rules: Rules | undefined, dev: boolean, collection: string): CollectionRules | null {
  const own = rules && Object.hasOwn(rules, collection) ? rules[collection] : undefined;
  if (own) return own;
  return dev ? DEV_RULES : null;
}

/** The scope columns of a rule, or null for a public collection. */
export function scopeColumns(rule: CollectionRules): readonly string[] | null {
  if (rule.scope === 'public') return null;
  return typeof rule.scope === 'string' ? [rule.scope] : rule.scope;
}

/** The scope keys the caller may read, per scope column; null means every row. */
export async function scopeKeys(rule: CollectionRules, auth: AuthContext, db: SqlDb): Promise<Keys> {
  const columns = scopeColumns(rule);
  if (columns === null) return null;
  // Without `access`, a scoped collection belongs to its owner: the key is the user id.
  const answer: AccessKeys = rule.access ? await rule.access(auth, db) : [auth.userId];
  return normaliseKeys(columns, answer);
}

/** `access`'s answer as column → sorted, de-duplicated keys; a shape that does not fit the scope throws. */
export function normaliseKeys(columns: readonly string[], answer: AccessKeys): Keys {
  if (answer === 'all') return null;
  const out = new Map<string, readonly string[]>();
  const dedupe = (keys: readonly unknown[]) => [...new Set(keys.map(String))].sort();
  if (Array.isArray(answer)) {
    if (columns.length !== 1) {
      throw new Error(
        `A rule scoped by several columns (${columns.join(', ')}) must answer its keys per column from access(), e.g. { ${columns[0]}: [...] }.`,
      );
    }
    out.set(columns[0]!, dedupe(answer));
    return out;
  }
  const byColumn = answer as Readonly<Record<string, readonly string[]>>;
  for (const name of Object.keys(byColumn)) {
    if (!columns.includes(name))
      throw new Error(
        `access() answered keys for "${name}", which is not a scope column (${columns.join(', ')}).`,
      );
  }
  for (const c of columns) out.set(c, dedupe(Object.hasOwn(byColumn, c) ? (byColumn[c] ?? []) : []));
  return out;
}

export function scopeFilter(keys: Keys): ScopeFilter {
  if (keys === null) return { kind: 'public' };
  return { kind: 'any', of: [...keys].map(([column, k]) => ({ column, keys: k })) };
}

/** Whether the caller may read `record`: one of its scope columns holds one of the caller's keys. */
export function canRead(keys: Keys, record: WireRecord): boolean {
  if (keys === null) return true;
  for (const [column, k] of keys) {
    const value = record[column];
    if (value !== null && value !== undefined && k.includes(String(value))) return true;
  }
  return false;
}

/**
 * The write check: the rule's own `write`, else the default — the old and the new row are both
 * readable by the caller (public collections deny writes by default).
 */
export async function canWrite(
  rule: CollectionRules,
  auth: AuthContext,
  keys: Keys,
  change: { old: WireRecord | null; new: WireRecord | null },
  db: SqlDb,
): Promise<boolean> {
  if (rule.write) return (await rule.write(auth, change, db)) === true;
  return canWriteByScope(rule, keys, change);
}

/** canWrite for a rule without a `write` function: decided by the scope alone, no await. */
export function canWriteByScope(
  rule: CollectionRules,
  keys: Keys,
  change: { old: WireRecord | null; new: WireRecord | null },
): boolean {
  if (rule.scope === 'public') return false;
  return (
    (change.old === null || canRead(keys, change.old)) && (change.new === null || canRead(keys, change.new))
  );
}
