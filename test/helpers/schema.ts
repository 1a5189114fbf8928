import { defineSchema, t } from '@syncline/core';

/** The schema the end-to-end tests use: one collection per conflict strategy, scoped by owner. */
export const e2eSchema = defineSchema({
  notes: {
    columns: { ownerId: t.text(), title: t.text(), body: t.text().default(''), n: t.integer().default(0) },
    indexes: { byOwner: ['ownerId'] },
    conflicts: 'reject-stale',
  },
  cards: {
    columns: { ownerId: t.text(), title: t.text(), color: t.text().default('blue') },
    conflicts: 'merge-fields',
  },
  counters: {
    columns: { ownerId: t.text(), value: t.integer().default(0) },
    conflicts: 'last-write-wins',
  },
});

export const e2eRules = {
  notes: { scope: 'ownerId', access: (auth: { userId: string }) => [auth.userId] },
  cards: { scope: 'ownerId', access: (auth: { userId: string }) => [auth.userId] },
  counters: { scope: 'ownerId', access: (auth: { userId: string }) => [auth.userId] },
};

/** A newer app version: `cards` gained a column, so a client opening with it re-downloads `cards`. */
export const e2eSchemaV2 = defineSchema({
  notes: {
    columns: { ownerId: t.text(), title: t.text(), body: t.text().default(''), n: t.integer().default(0) },
    indexes: { byOwner: ['ownerId'] },
    conflicts: 'reject-stale' as const,
  },
  cards: {
    columns: {
      ownerId: t.text(),
      title: t.text(),
      color: t.text().default('blue'),
      tag: t.text().optional(),
    },
    conflicts: 'merge-fields' as const,
  },
  counters: {
    columns: { ownerId: t.text(), value: t.integer().default(0) },
    conflicts: 'last-write-wins' as const,
  },
});
