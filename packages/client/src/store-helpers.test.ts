import { describe, expect, test } from 'vitest';
import { itemRow, migratedSchema, outboxEntry, querySchema } from './conformance/fixtures.ts';
import type { OutboxEntry, StoredRejection } from './local-store.ts';
import * as kit from './store-helpers.ts';

describe('@syncline/client/store helpers (what every LocalStore computes the same way)', () => {
  test('queryColumns: metadata first, then the schema columns in schema order', () => {
    expect(kit.queryColumns(querySchema.collections.notes)).toEqual([
      'id',
      'version',
      'updatedAt',
      'updatedBy',
      'deletedAt',
      'body',
    ]);
  });

  test('withNewColumns fills a column added since the row was written, and copies only then', () => {
    const row = itemRow('a');
    expect(kit.withNewColumns(row, Object.keys(querySchema.collections.items.columns))).toBe(row);
    const filled = kit.withNewColumns(row, Object.keys(migratedSchema.collections.items.columns));
    expect(filled).toEqual({ ...row, tag: null });
    expect(row).not.toHaveProperty('tag');
  });

  test('compareIds orders by code unit, as SQLite and IndexedDB order text keys', () => {
    const ids = ['b', 'a', 'B', 'é', 'aa'].map((id) => ({ id }));
    expect(ids.sort(kit.compareIds).map((r) => r.id)).toEqual(['B', 'a', 'aa', 'b', 'é']);
  });

  test('selectOutbox filters by collection and id, keeps key order, and limits', () => {
    const entries: OutboxEntry[] = [
      { ...outboxEntry('a', 1), key: 1 },
      { ...outboxEntry('b', 2), key: 2 },
      { ...outboxEntry('a', 3, 'notes'), key: 3 },
      { ...outboxEntry('a', 4), key: 4 },
    ];
    const keys = (list: OutboxEntry[]) => list.map((e) => e.key);
    expect(keys(kit.selectOutbox(entries, {}))).toEqual([1, 2, 3, 4]);
    expect(keys(kit.selectOutbox(entries, { id: 'a' }))).toEqual([1, 3, 4]);
    expect(keys(kit.selectOutbox(entries, { collection: 'items', id: 'a' }))).toEqual([1, 4]);
    expect(keys(kit.selectOutbox(entries, { collection: 'items', limit: 2 }))).toEqual([1, 2]);
    expect(keys(kit.selectOutbox(entries, { limit: 0 }))).toEqual([]);
  });

  test('oldestFirst sorts a copy by createdAt, keeping the given order for equal times', () => {
    const rejection = (key: string, createdAt: number) => ({ key, createdAt }) as StoredRejection;
    const given = [rejection('x', 3), rejection('y', 1), rejection('z', 3), rejection('w', 1)];
    expect(kit.oldestFirst(given).map((r) => r.key)).toEqual(['y', 'w', 'x', 'z']);
    expect(given.map((r) => r.key)).toEqual(['x', 'y', 'z', 'w']);
  });

  test('fingerprintChanges lists new and changed collections in schema order, not unchanged ones', () => {
    const stored = new Map<string, string>([
      ['items', querySchema.collections.items.fingerprint],
      ['notes', querySchema.collections.notes.fingerprint],
    ]);
    expect(kit.fingerprintChanges(querySchema, (name) => stored.get(name))).toEqual({
      added: [],
      changed: [],
    });
    expect(kit.fingerprintChanges(migratedSchema, (name) => stored.get(name))).toEqual({
      added: ['tags'],
      changed: ['items'],
    });
    expect(kit.fingerprintChanges(querySchema, () => undefined)).toEqual({
      added: ['items', 'notes'],
      changed: [],
    });
  });
});
