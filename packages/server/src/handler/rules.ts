/**
 * Access rules as declarative scope keys (DESIGN §5). One rule drives the pull filter, the write
 * check and the scope-change detection. Deny by default: outside dev mode a collection without
 * rules is not served; in dev mode it is public and writable by every signed-in user.
 */
import type { WireRecord } from '@syncline/core';
import type { AuthContext, CollectionRules, Rules } from '../api.ts';
import type { ScopeFilter, SqlDb } from '../stores/types.ts';

const DEV_RULES: CollectionRules = { scope: 'public', write: () => true };

/** The rules serving `collection`, or null when it is not served. */
export function rulesFor(rules: Rules | undefined, dev: boolean, collection: string): CollectionRules | null {
  const own = rules && Object.hasOwn(rules, collection) ? rules[collection] : undefined;
  if (own) return own;
  return dev ? DEV_RULES : null;
}

/** The scope keys the caller may read; null means every row (a public collection). */
export async function scopeKeys(
  rule: CollectionRules,
  auth: AuthContext,
  db: SqlDb,
): Promise<readonly string[] | null> {
  if (rule.scope === 'public') return null;
  // Without `access`, a scoped collection belongs to its owner: the key is the user id.
  const keys = rule.access ? await rule.access(auth, db) : [auth.userId];
  return [...new Set(keys.map(String))];
}

export function scopeFilter(rule: CollectionRules, keys: readonly string[] | null): ScopeFilter {
  return keys === null ? { kind: 'public' } : { kind: 'keys', column: rule.scope, keys };
}

/** Whether the caller may read `record` (used before revealing it in a rejection). */
export function canRead(rule: CollectionRules, keys: readonly string[] | null, record: WireRecord): boolean {
  if (keys === null) return true;
  const key = record[rule.scope];
  return key !== null && key !== undefined && keys.includes(String(key));
}

/**
 * The write check: the rule's own `write`, else the default — the keys of the old and new row are
 * both the caller's (public collections deny writes by default).
 */
export async function canWrite(
  rule: CollectionRules,
  auth: AuthContext,
  keys: readonly string[] | null,
  change: { old: WireRecord | null; new: WireRecord | null },
  db: SqlDb,
): Promise<boolean> {
  if (rule.write) return (await rule.write(auth, change, db)) === true;
  if (keys === null) return false;
  return (
    (change.old === null || canRead(rule, keys, change.old)) &&
    (change.new === null || canRead(rule, keys, change.new))
  );
}
