/**
 * The simulation's schema: one collection per conflict strategy, scoped by owner. Every write
 * sets `tok` (unique per local write) and the fields it changes to values derived from it, so the
 * server's applied log shows which local write each applied mutation carries.
 */
import { defineSchema, t } from '@syncline/core';
import type { Rules, SqlDb } from '@syncline/server';

export const simSchema = defineSchema({
  stale: {
    columns: { ownerId: t.text(), a: t.text(), b: t.text(), tok: t.text() },
    conflicts: 'reject-stale',
  },
  merged: {
    columns: { ownerId: t.text(), a: t.text(), b: t.text(), tok: t.text() },
    conflicts: 'merge-fields',
  },
  lww: {
    columns: { ownerId: t.text(), a: t.text(), b: t.text(), tok: t.text() },
    conflicts: 'last-write-wins',
  },
});

export type SimCollection = keyof typeof simSchema.collections & string;
export const COLLECTIONS: readonly SimCollection[] = ['stale', 'merged', 'lww'];

const own = { scope: 'ownerId', access: (auth: { userId: string }) => [auth.userId] };

/**
 * Shared spaces (issue 9): a `stale` row's ownerId may be a space; a user reads and writes the
 * spaces granted to them in `sim_grants`, which the harness changes during the run (membership
 * changes), so access is gained and revoked while clients are offline, crashing or syncing.
 */
export const SPACES = ['s0', 's1'] as const;
export const GRANTS_DDL =
  'CREATE TABLE IF NOT EXISTS sim_grants (user_id TEXT NOT NULL, space TEXT NOT NULL, PRIMARY KEY (user_id, space))';
const shared = {
  scope: 'ownerId',
  access: async (auth: { userId: string }, db: SqlDb) => [
    auth.userId,
    ...(await db.all<{ space: string }>('SELECT space FROM sim_grants WHERE user_id = ?', [auth.userId])).map(
      (r) => r.space,
    ),
  ],
};
export const simRules: Rules = { stale: shared, merged: own, lww: own };

/** The spaces each user holds: the harness's own model of `sim_grants`. */
export type Grants = Map<string, Set<string>>;

/** Whether `user` may read a row of `collection` owned by `ownerId`, under `grants`. */
export function readable(grants: Grants, user: string, collection: string, ownerId: string): boolean {
  return ownerId === user || (collection === 'stale' && (grants.get(user)?.has(ownerId) ?? false));
}
export const scopeColumns = { stale: 'ownerId', merged: 'ownerId', lww: 'ownerId' };

/** The columns the oracles compare (plus id and version). */
export const DATA_FIELDS = ['ownerId', 'a', 'b', 'tok'] as const;
