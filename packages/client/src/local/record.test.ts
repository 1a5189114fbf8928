import type { WireRecord } from '@syncline/core';
import type { LocalOp } from '@syncline/core/internal';
import { describe, expect, test } from 'vitest';
import { isNewer, rebase } from './record.ts';

const base = (version: number, extra: Record<string, unknown> = {}): WireRecord => ({
  id: 'a',
  version,
  updatedAt: '2026-11-25T13:00:00.000Z',
  updatedBy: 'alice',
  deletedAt: null,
  title: 'server',
  done: false,
  ...extra,
});

describe('rebase', () => {
  test('no pending ops: the visible row is the base; a tombstone is not visible', () => {
    expect(rebase(base(3), [], 'a')).toEqual(base(3));
    expect(rebase(base(3, { deletedAt: '2026-11-25T13:00:01.000Z' }), [], 'a')).toBeNull();
    expect(rebase(null, [], 'a')).toBeNull();
  });

  test('pending updates fold over the base in order, keeping the base version', () => {
    const ops: LocalOp[] = [
      { op: 'update', patch: { title: 'one' }, baseVersion: 3 },
      { op: 'update', patch: { done: true }, baseVersion: 3 },
      { op: 'update', patch: { title: 'two' }, baseVersion: 3 },
    ];
    expect(rebase(base(3), ops, 'a')).toEqual({ ...base(3), title: 'two', done: true });
    // Over a newer pulled base, the same ops win field by field, the rest comes from the base.
    expect(rebase(base(9, { done: false, title: 'newer', extra: 1 }), ops, 'a')).toMatchObject({
      version: 9,
      title: 'two',
      done: true,
      extra: 1,
    });
  });

  test('a pending update over a missing or deleted base stays not visible', () => {
    const up: LocalOp = { op: 'update', patch: { title: 'x' }, baseVersion: 3 };
    expect(rebase(null, [up], 'a')).toBeNull();
    expect(rebase(base(4, { deletedAt: '2026-11-25T13:00:01.000Z' }), [up], 'a')).toBeNull();
  });

  test('a pending insert is visible with version 0; insert then delete is not', () => {
    const ins: LocalOp = { op: 'insert', data: { title: 'new', done: false } };
    expect(rebase(null, [ins], 'a')).toEqual({
      id: 'a',
      version: 0,
      updatedAt: null,
      updatedBy: null,
      deletedAt: null,
      title: 'new',
      done: false,
    });
    expect(rebase(null, [ins, { op: 'delete', baseVersion: null }], 'a')).toBeNull();
  });

  test('a base from a server before protocol 3 (no updatedBy) reads updatedBy null', () => {
    const { updatedBy: _, ...old } = base(3);
    expect(rebase(old, [], 'a')).toEqual({ ...old, updatedBy: null });
  });

  test('only a strictly newer version replaces a base', () => {
    expect(isNewer(base(5), null)).toBe(true);
    expect(isNewer(base(5), base(4))).toBe(true);
    expect(isNewer(base(5), base(5))).toBe(false);
    expect(isNewer(base(4), base(5))).toBe(false);
  });
});
