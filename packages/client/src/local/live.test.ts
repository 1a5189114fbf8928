import { describe, expect, test } from 'vitest';
import type { LocalRow } from '../local-store.ts';
import { sameRows, snapshotRows } from './live.ts';

const row = (id: string, extra: Record<string, unknown> = {}): LocalRow => ({
  id,
  version: 1,
  updatedAt: null,
  updatedBy: null,
  deletedAt: null,
  title: id,
  ...extra,
});
const same = (a: LocalRow[], b: LocalRow[]) => sameRows(snapshotRows(a), b);

describe('sameRows: the change check of live queries', () => {
  test('equal values in fresh objects are the same result; any value, order or length change is not', () => {
    const a = [row('a', { tags: { x: [1, 2] } }), row('b')];
    expect(same(a, [row('a', { tags: { x: [1, 2] } }), row('b')])).toBe(true);
    expect(same(a, [row('b'), row('a', { tags: { x: [1, 2] } })])).toBe(false);
    expect(same(a, [row('a', { tags: { x: [1, 2] } })])).toBe(false);
    expect(same(a, [row('a', { tags: { x: [1, 3] } }), row('b')])).toBe(false);
    expect(same(a, [row('a', { tags: null }), row('b')])).toBe(false);
    expect(same(a, [row('a', { tags: '{"x":[1,2]}' }), row('b')])).toBe(false);
    expect(same(a, [row('a', { tags: { x: [1, 2] } }), row('b', { version: 2 })])).toBe(false);
    expect(same(a, [row('a', { tags: { x: [1, 2] } }), row('b', { more: 1 })])).toBe(false);
    expect(same([row('a', { n: 1 })], [row('a', { m: 1 })])).toBe(false);
    expect(same([row('a', { n: 1 })], [row('a', { n: '1' })])).toBe(false);
  });

  test('the app changing the rows it was handed does not hide the next change', () => {
    const delivered = [row('a', { done: false, tags: { x: 1 } })];
    const snapshot = snapshotRows(delivered);
    delivered[0]!.done = true; // an optimistic UI edits its copy
    (delivered[0]!.tags as { x: number }).x = 2;
    expect(sameRows(snapshot, [row('a', { done: true, tags: { x: 1 } })])).toBe(false);
    expect(sameRows(snapshot, [row('a', { done: false, tags: { x: 2 } })])).toBe(false);
    expect(sameRows(snapshot, [row('a', { done: false, tags: { x: 1 } })])).toBe(true);
  });

  test('never "same" where the JSON texts differ, never "different" where they agree (random rows)', () => {
    const values = [null, 0, 1, '1', 'x', true, false, { a: 1 }, { a: 2 }, [1], [1, 2], '{"a":1}'];
    let seed = 7;
    const pick = <T>(xs: readonly T[]): T => {
      seed = (seed * 1103515245 + 12345) % 2 ** 31;
      return xs[seed % xs.length]!;
    };
    const rows = () =>
      Array.from({ length: pick([1, 2, 3]) }, (_, i) => row(String(i), { p: pick(values), q: pick(values) }));
    for (let i = 0; i < 2000; i++) {
      const a = rows();
      const b = rows();
      expect(same(a, b)).toBe(JSON.stringify(a) === JSON.stringify(b));
    }
  });
});
