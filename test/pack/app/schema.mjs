// The consumer app's schema module, plain JavaScript: `npx syncline serve --schema schema.mjs`
// loads it as it is (no tsx, no TypeScript in this app's node_modules).
import { defineSchema, t } from '@syncline/core';

export const schema = defineSchema({
  lists: { columns: { name: t.text(), ownerId: t.text() } },
});

/** @type {import('@syncline/server').Rules} */
export const rules = {
  lists: { scope: 'ownerId', access: (auth) => [auth.userId] },
};
