/** The schema and rules of the realtime benchmark: lists shared through memberships, tasks by list. */
import { defineSchema, t } from '@syncline/core';
import type { Rules } from '@syncline/server';

export const rtSchema = defineSchema({
  members: { columns: { listId: t.text(), userId: t.text() } },
  tasks: { columns: { listId: t.text(), title: t.text(), done: t.boolean().default(false) } },
});

export const rtRules: Rules = {
  members: { scope: 'userId', affects: (row) => [String(row.userId)] },
  tasks: {
    scope: 'listId',
    access: async (auth, db) =>
      (
        await db.all<{ id: string }>(
          'SELECT list_id AS id FROM members WHERE user_id = ? AND deleted_at IS NULL',
          [auth.userId],
        )
      ).map((r) => r.id),
  },
};
export const rtScopeColumns = { members: 'userId', tasks: 'listId' };
