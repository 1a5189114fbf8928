// examples/tour/schema.ts: the app's schema, one module shared by the client and the server.
import { defineSchema, t } from '@syncline/core';

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
    conflicts: 'reject-stale', // or 'merge-fields' | 'last-write-wins'
  },
  // Who a list is shared with: one row per (list, member).
  members: { columns: { listId: t.text(), userId: t.text() } },
});
