// examples/react-native/src/schema.ts: the schema of the demo server (`npm start` at the
// repository root serves apps/demo/schema.ts): the client half, without the server's rules.
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
