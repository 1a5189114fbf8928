/**
 * The demo app's schema and access rules: to-do lists owned by one user, shared with others
 * through memberships. The schema is shared with the client; `rules` only runs on the server
 * (the type import below is erased from client bundles).
 */
import { defineSchema, t } from '@syncline/core';
import type { AuthContext, Rules } from '@syncline/server';

export const schema = defineSchema({
  lists: { columns: { name: t.text(), ownerId: t.text() } },
  tasks: {
    columns: {
      listId: t.text(),
      title: t.text(),
      done: t.boolean().default(false),
      dueAt: t.timestamp().optional(),
    },
    indexes: { byList: ['listId', 'done'] },
    conflicts: 'reject-stale',
  },
  members: { columns: { listId: t.text(), userId: t.text() } },
});

export default schema;

type Db = { all<R = Record<string, unknown>>(sql: string, params?: readonly unknown[]): Promise<R[]> };

/** Ids of the live lists the user owns or is a member of. */
async function visibleListIds(auth: AuthContext, db: Db): Promise<string[]> {
  const rows = await db.all<{ id: string }>(
    `SELECT id FROM lists WHERE owner_id = ? AND deleted_at IS NULL
     UNION
     SELECT list_id AS id FROM members WHERE user_id = ? AND deleted_at IS NULL`,
    [auth.userId, auth.userId],
  );
  return rows.map((row) => row.id);
}

/** Whether the user owns the live list `listId`. */
async function ownsList(auth: AuthContext, db: Db, listId: unknown): Promise<boolean> {
  if (typeof listId !== 'string') return false;
  const rows = await db.all(
    'SELECT 1 AS ok FROM lists WHERE id = ? AND owner_id = ? AND deleted_at IS NULL',
    [listId, auth.userId],
  );
  return rows.length > 0;
}

export const rules: Rules = {
  // A list is visible to and writable by its owner only; ownerId must be the caller's id.
  lists: { scope: 'ownerId', access: (auth) => [auth.userId] },
  // Owners and members read and write the tasks of a list (the default write check uses these keys).
  tasks: { scope: 'listId', access: visibleListIds },
  // Each user sees their own memberships; only the list's owner adds or removes members.
  members: {
    scope: 'userId',
    access: (auth) => [auth.userId],
    write: async (auth, change, db) => {
      const rows = [change.old, change.new].filter((row) => row !== null);
      for (const row of rows) {
        if (!(await ownsList(auth, db, row.listId))) return false;
      }
      return rows.length > 0;
    },
  },
};
