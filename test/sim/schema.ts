/**
 * The simulation's schema: one collection per conflict strategy, scoped by owner. Every write
 * sets `tok` (unique per local write) and the fields it changes to values derived from it, so the
 * server's applied log shows which local write each applied mutation carries.
 */
import { defineSchema, t } from '@syncline/core';
import type { Rules } from '@syncline/server';

export const simSchema = defineSchema({
  stale: {
    columns: { ownerId: t.text(), a: t.text(), b: t.text(), tok: t.text() },
    conflicts: 'reject-stale',
  },
  merged: {
    columns: { ownerId: t.text(), a: t.text(), b: t.text(), tok: t.text() },
    conflicts: 'merge-fields',
  },
  lww: {
    columns: { ownerId: t.text(), a: t.text(), b: t.text(), tok: t.text() },
    conflicts: 'last-write-wins',
  },
});

export type SimCollection = keyof typeof simSchema.collections & string;
export const COLLECTIONS: readonly SimCollection[] = ['stale', 'merged', 'lww'];

const own = { scope: 'ownerId', access: (auth: { userId: string }) => [auth.userId] };
export const simRules: Rules = { stale: own, merged: own, lww: own };
export const scopeColumns = { stale: 'ownerId', merged: 'ownerId', lww: 'ownerId' };

/** The columns the oracles compare (plus id and version). */
export const DATA_FIELDS = ['ownerId', 'a', 'b', 'tok'] as const;
