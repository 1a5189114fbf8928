// examples/tour/rules.ts: who reads and writes what. This module exports `schema` and `rules`,
// so `syncline serve --schema ./examples/tour/rules.ts` serves it as it is.
import type { AuthContext, Rules, SqlDb } from '@syncline/server';
import { schema } from './schema.ts';

export { schema };

async function ids(db: SqlDb, sql: string, params: unknown[]): Promise<string[]> {
  return (await db.all<{ id: string }>(sql, params)).map((row) => row.id);
}

/** The live lists the user owns. */
const owned = (auth: AuthContext, db: SqlDb) =>
  ids(db, 'SELECT id FROM lists WHERE owner_id = ? AND deleted_at IS NULL', [auth.userId]);

/** The live lists the user is a member of: a deleted list closes to its members. */
const memberOf = (auth: AuthContext, db: SqlDb) =>
  ids(
    db,
    `SELECT m.list_id AS id FROM members m JOIN lists l ON l.id = m.list_id AND l.deleted_at IS NULL
      WHERE m.user_id = ? AND m.deleted_at IS NULL`,
    [auth.userId],
  );

const visible = async (auth: AuthContext, db: SqlDb) => [
  ...(await owned(auth, db)),
  ...(await memberOf(auth, db)),
];

export const rules: Rules = {
  // Readable by its owner, and by its own id for its members. Only the owner writes it.
  lists: {
    scope: ['ownerId', 'id'],
    access: async (auth, db) => ({ ownerId: [auth.userId], id: await memberOf(auth, db) }),
    write: (auth, { old, new: next }) =>
      (old === null || old.ownerId === auth.userId) && (next === null || next.ownerId === auth.userId),
  },
  // Owners and members read and write a list's tasks (the default write check: the old and the
  // new row must both be readable, so moving a task needs access to both lists).
  tasks: { scope: 'listId', access: visible },
  // A membership is readable by its member and by everyone on the list; the owner adds and
  // removes members, and a member may leave.
  members: {
    scope: ['userId', 'listId'],
    access: async (auth, db) => ({ userId: [auth.userId], listId: await visible(auth, db) }),
    write: async (auth, { old, new: next }, db) => {
      if (old !== null && next === null && old.userId === auth.userId) return true; // leaving
      const mine = await owned(auth, db);
      return [old, next].every((row) => row === null || mine.includes(String(row.listId)));
    },
    // A membership decides access: a change of it wakes the member's realtime sockets.
    affects: (row) => [String(row.userId)],
  },
};
