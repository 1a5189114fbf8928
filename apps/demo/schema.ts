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

/** Ids of the live lists the user owns. */
async function ownedListIds(auth: AuthContext, db: Db): Promise<string[]> {
  const rows = await db.all<{ id: string }>(
    'SELECT id FROM lists WHERE owner_id = ? AND deleted_at IS NULL',
    [auth.userId],
  );
  return rows.map((row) => row.id);
}

/** Ids of the live lists the user is a member of: deleting a list closes it to its members. */
async function memberListIds(auth: AuthContext, db: Db): Promise<string[]> {
  const rows = await db.all<{ id: string }>(
    `SELECT m.list_id AS id FROM members m JOIN lists l ON l.id = m.list_id AND l.deleted_at IS NULL
      WHERE m.user_id = ? AND m.deleted_at IS NULL`,
    [auth.userId],
  );
  return rows.map((row) => row.id);
}

/** Ids of the live lists the user owns or is a member of. */
async function visibleListIds(auth: AuthContext, db: Db): Promise<string[]> {
  return [...(await ownedListIds(auth, db)), ...(await memberListIds(auth, db))];
}

export const rules: Rules = {
  // The owner reads and writes a list; its members read it (a list is readable by its own id).
  lists: {
    scope: ['ownerId', 'id'],
    access: async (auth, db) => ({ ownerId: [auth.userId], id: await memberListIds(auth, db) }),
    write: (auth, { old, new: next }) =>
      (old === null || old.ownerId === auth.userId) && (next === null || next.ownerId === auth.userId),
  },
  // Owners and members read and write the tasks of a live list. Moving a task needs write access
  // to both lists, and only the owner of a list may move a task out of it (members cannot take
  // tasks away from a shared list).
  tasks: {
    scope: 'listId',
    access: visibleListIds,
    write: async (auth, { old, new: next }, db) => {
      const lists = await visibleListIds(auth, db);
      const writable = (row: typeof old) => row === null || lists.includes(String(row.listId));
      if (!writable(old) || !writable(next)) return false;
      if (old && next && old.listId !== next.listId)
        return (await ownedListIds(auth, db)).includes(String(old.listId));
      return true;
    },
  },
  // A membership is readable by its member, by the list's owner and by co-members; the owner
  // adds and removes members, and a member may leave.
  members: {
    scope: ['userId', 'listId'],
    access: async (auth, db) => ({ userId: [auth.userId], listId: await visibleListIds(auth, db) }),
    write: async (auth, { old, new: next }, db) => {
      if (old !== null && next === null && old.userId === auth.userId) return true;
      const owned = await ownedListIds(auth, db);
      return [old, next].every((row) => row === null || owned.includes(String(row.listId)));
    },
    // A membership decides access: adding or removing one wakes the member's realtime sockets.
    affects: (row) => [String(row.userId)],
  },
};
