import { defineSchema, t, type WireRecord } from '@syncline/core';
import type { LocalRecord, LocalRow, OutboxEntry } from '../local-store.ts';

const itemColumns = {
  title: t.text(),
  count: t.integer(),
  score: t.real(),
  done: t.boolean(),
  dueAt: t.timestamp().optional(),
  meta: t.json().optional(),
};

/** The suite's schema: every column kind, optional columns and an index. */
export const querySchema = defineSchema({
  items: { columns: itemColumns, indexes: { byDone: ['done', 'dueAt'] } },
  notes: { columns: { body: t.text() } },
});

/** The next app version: `items` gains a column, `tags` is new. */
export const migratedSchema = defineSchema({
  items: {
    columns: { ...itemColumns, tag: t.text().optional() },
    indexes: { byDone: ['done', 'dueAt'], byTag: ['tag'] },
  },
  notes: { columns: { body: t.text() } },
  tags: { columns: { label: t.text() } },
});

export const T0 = '2026-11-25T13:00:00.000Z';

/** A visible `items` row with defaults for what the test does not care about. */
export function itemRow(id: string, values: Partial<LocalRow> = {}): LocalRow {
  return {
    id,
    version: 1,
    updatedAt: T0,
    updatedBy: null,
    deletedAt: null,
    title: `Item ${id}`,
    count: 0,
    score: 0,
    done: false,
    dueAt: null,
    meta: null,
    ...values,
  };
}

/** The server record matching a visible row. */
export function wireOf(row: LocalRow): WireRecord {
  const { updatedAt, ...rest } = row;
  return updatedAt === null ? { ...rest } : { ...rest, updatedAt };
}

/** A synced record (base equals row) unless told otherwise. */
export function record(
  row: LocalRow,
  opts: { base?: WireRecord | null; pending?: number; marked?: boolean } = {},
): LocalRecord {
  return {
    id: row.id,
    base: opts.base === undefined ? wireOf(row) : opts.base,
    row,
    pending: opts.pending ?? 0,
    marked: opts.marked ?? false,
  };
}

export function outboxEntry(id: string, n: number, collection = 'items'): Omit<OutboxEntry, 'key'> {
  return {
    collection,
    id,
    op: { op: 'update', patch: { count: n }, baseVersion: 1 },
    seq: null,
    clientId: null,
    createdAt: 1_000 + n,
  };
}
