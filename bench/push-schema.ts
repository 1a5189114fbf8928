/** The schema and rules of the push benchmark: one scoped collection, rows owned by the pushing user. */
import { defineSchema, t } from '@syncline/core';
import type { Rules } from '@syncline/server';

export const benchSchema = defineSchema({
  tasks: {
    columns: {
      owner: t.text(),
      title: t.text(),
      done: t.boolean().default(false),
      rank: t.integer().default(0),
      note: t.text().optional(),
    },
    // The default strategy of real apps: an update must name the version it was based on.
    conflicts: 'reject-stale',
  },
});

/** Each user reads and writes the rows whose `owner` is their user id (no SQL in the rules). */
export const benchRules: Rules = { tasks: { scope: 'owner' } };
export const benchScopeColumns = { tasks: 'owner' };
