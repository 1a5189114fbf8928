import { describe, expect, test } from 'vitest';
import { SynclineError } from '../errors.ts';
import { t } from './columns.ts';
import { defineSchema } from './define.ts';
import { toCamel, toSnake } from './names.ts';
import { validateId, validateInsert, validatePatch } from './validate.ts';

const schema = defineSchema({
  tasks: {
    columns: {
      listId: t.text(),
      title: t.text(),
      done: t.boolean().default(false),
      dueAt: t.timestamp().optional(),
      size: t.integer().optional(),
      score: t.real().default(0),
      meta: t.json().optional(),
    },
    indexes: { byList: ['listId', 'done'] },
  },
});
const tasks = schema.collections.tasks;

describe('defineSchema', () => {
  test('defaults the conflict strategy to reject-stale and fingerprints columns', () => {
    expect(tasks.conflicts).toBe('reject-stale');
    const other = defineSchema({ tasks: { columns: { listId: t.text(), title: t.text() } } });
    expect(other.collections.tasks.fingerprint).not.toBe(tasks.fingerprint);
    expect(other.hash).not.toBe(schema.hash);
  });

  test('rejects reserved and malformed names', () => {
    expect(() => defineSchema({ tasks: { columns: { version: t.integer() } } })).toThrow(SynclineError);
    expect(() => defineSchema({ tasks: { columns: { _x: t.integer() } } })).toThrow(/not allowed/);
    // Server-owned since protocol 3: who wrote the record.
    expect(() => defineSchema({ tasks: { columns: { updatedBy: t.text() } } })).toThrow(/updatedBy/);
    expect(() => defineSchema({ 'bad-name': { columns: {} } })).toThrow(/not allowed/);
    expect(() => defineSchema({ tasks: { columns: { a: t.text() }, indexes: { i: ['nope'] } } })).toThrow(
      /unknown column/,
    );
  });

  test('maps camelCase to snake_case and back', () => {
    expect(toSnake('listId')).toBe('list_id');
    expect(toCamel('list_id')).toBe('listId');
    expect(toCamel(toSnake('dueAtUtc2'))).toBe('dueAtUtc2');
  });
});

describe('validation', () => {
  test('insert fills defaults and nulls, and reports every problem with its path', () => {
    expect(validateInsert(tasks, { listId: 'l1', title: 'Milk' })).toEqual({
      ok: true,
      value: { listId: 'l1', title: 'Milk', done: false, dueAt: null, size: null, score: 0, meta: null },
      unknownColumns: [],
    });
    const bad = validateInsert(tasks, { listId: 1, done: 'yes', dueAt: '2026-11-25', size: 1.5, extra: 1 });
    expect(bad.ok).toBe(false);
    if (bad.ok) return;
    expect(bad.unknownColumns).toEqual(['extra']);
    expect(bad.issues.map((i) => i.path).sort()).toEqual([
      'done',
      'dueAt',
      'extra',
      'listId',
      'size',
      'title',
    ]);
  });

  test('timestamps must be ISO 8601 UTC with milliseconds; json must be plain JSON', () => {
    expect(validatePatch(tasks, { dueAt: '2026-11-25T13:00:00.000Z' }).ok).toBe(true);
    expect(validatePatch(tasks, { dueAt: '2026-11-25T13:00:00Z' }).ok).toBe(false);
    expect(validatePatch(tasks, { meta: { a: [1, 'x', null] } }).ok).toBe(true);
    expect(validatePatch(tasks, { meta: { a: Number.NaN } }).ok).toBe(false);
    expect(validatePatch(tasks, { score: Number.POSITIVE_INFINITY }).ok).toBe(false);
  });

  test('patches must be non-empty and may not null a required column', () => {
    expect(validatePatch(tasks, {}).ok).toBe(false);
    expect(validatePatch(tasks, { title: null }).ok).toBe(false);
    expect(validatePatch(tasks, { dueAt: null }).ok).toBe(true);
    expect(validatePatch(tasks, [1]).ok).toBe(false);
  });

  test('ids are non-empty strings of at most 128 characters', () => {
    expect(validateId('a')).toBeNull();
    expect(validateId('')).not.toBeNull();
    expect(validateId('x'.repeat(129))).not.toBeNull();
    expect(validateId(5)).not.toBeNull();
  });
});
