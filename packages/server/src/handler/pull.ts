/**
 * `POST /sync/pull` (DESIGN §4): scope keys from the rules, cursors decoded per decision 0002,
 * one store page across the requested collections.
 */
import type { CollectionChanges, PullRequest, PullResponse } from '@syncline/core';
import { getCollection } from '@syncline/core/internal';
import type { AuthContext, CollectionRules } from '../api.ts';
import type { ScopeFilter } from '../stores/types.ts';
import type { HandlerContext } from './context.ts';
import { decodeCursor, encodeCursor, scopeHash } from './cursor.ts';
import { rulesFor, scopeFilter, scopeKeys } from './rules.ts';

export async function handlePull(
  ctx: HandlerContext,
  auth: AuthContext,
  body: PullRequest,
): Promise<PullResponse> {
  const served: Array<{ name: string; rule: CollectionRules; cursor: string | null }> = [];
  for (const [name, { cursor }] of Object.entries(body.collections)) {
    const rule = getCollection(ctx.schema, name) ? rulesFor(ctx.rules, ctx.dev, name) : null;
    // Not served (unknown, or no rules outside dev mode): left out of the answer, so a client whose
    // schema is ahead of the server's (decision 0003) still pulls everything else.
    if (rule) served.push({ name, rule, cursor });
  }
  if (served.length === 0) return { collections: {}, remaining: 0 };

  const limit = Math.min(body.limit ?? ctx.limits.maxRowsPerPage, ctx.limits.maxRowsPerPage);
  const scoped = await ctx.store.read(async (db) => {
    const out: Array<{
      name: string;
      scope: ScopeFilter;
      hash: string;
      position: string | null;
      reset: boolean;
    }> = [];
    for (const c of served) {
      const keys = await scopeKeys(c.rule, auth, db);
      const hash = scopeHash(keys);
      out.push({ name: c.name, scope: scopeFilter(c.rule, keys), hash, ...decodeCursor(c.cursor, hash) });
    }
    return out;
  });

  const page = await ctx.store.pull({
    collections: scoped.map((c) => ({ name: c.name, position: c.position, scope: c.scope })),
    limit,
  });
  const collections: Record<string, CollectionChanges> = {};
  for (const c of scoped) {
    const got = page.collections[c.name];
    if (!got) throw new Error(`The store answered no page for "${c.name}".`);
    collections[c.name] = {
      changes: got.changes,
      cursor: encodeCursor(c.hash, got.position),
      hasMore: got.hasMore,
      reset: c.reset || got.reset,
    };
  }
  return { collections, remaining: page.remaining };
}
