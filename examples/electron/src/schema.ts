// examples/electron/src/schema.ts: the collections of the demo server (`npm start` at the
// repository root serves apps/demo/schema.ts with its rules); shared by main and the window.
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
    conflicts: 'reject-stale',
  },
  members: { columns: { listId: t.text(), userId: t.text() } },
});

export type AppSchema = typeof schema;
