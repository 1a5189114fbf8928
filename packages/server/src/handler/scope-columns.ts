import type { Rules } from '../api.ts';

/**
 * The scope columns of each scoped collection, for a store's `scopeColumns` option, so gone-markers
 * are recorded only when a scope column changes and pulls get a (scope, version) index per column.
 *
 * @example
 * const store = createSqliteStore({ path, schema, scopeColumns: scopeColumnsOf(rules) });
 */
export function scopeColumnsOf(rules: Rules): Record<string, string | readonly string[]> {
  const out: Record<string, string | readonly string[]> = {};
  for (const [name, rule] of Object.entries(rules)) if (rule.scope !== 'public') out[name] = rule.scope;
  return out;
}
