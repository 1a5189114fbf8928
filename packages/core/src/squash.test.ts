import { expect, test } from 'vitest';
import { seededRandom, uuidv7 } from './ids.ts';
import { squash } from './squash.ts';

test('squash folds the unsent ops of one record as the protocol prescribes', () => {
  expect(
    squash([
      { op: 'insert', data: { a: 1, b: 1 } },
      { op: 'update', patch: { b: 2 }, baseVersion: null },
    ]),
  ).toEqual({
    op: 'insert',
    data: { a: 1, b: 2 },
  });
  expect(
    squash([
      { op: 'update', patch: { a: 1 }, baseVersion: 7 },
      { op: 'update', patch: { b: 2 }, baseVersion: 9 },
    ]),
  ).toEqual({ op: 'update', patch: { a: 1, b: 2 }, baseVersion: 7 });
  expect(
    squash([
      { op: 'insert', data: { a: 1 } },
      { op: 'delete', baseVersion: null },
    ]),
  ).toBeNull();
  expect(
    squash([
      { op: 'update', patch: { a: 1 }, baseVersion: 3 },
      { op: 'delete', baseVersion: 4 },
    ]),
  ).toEqual({
    op: 'delete',
    baseVersion: 3,
  });
  expect(
    squash([
      { op: 'insert', data: {} },
      { op: 'delete', baseVersion: null },
      { op: 'insert', data: { a: 2 } },
    ]),
  ).toEqual({
    op: 'insert',
    data: { a: 2 },
  });
  expect(() =>
    squash([
      { op: 'delete', baseVersion: 1 },
      { op: 'update', patch: {}, baseVersion: 1 },
    ]),
  ).toThrow();
});

test('uuidv7 ids are time-ordered, well-formed, and replay from a seed', () => {
  const bytes = (seed: number) => {
    const r = seededRandom(seed);
    return (n: number) => Uint8Array.from({ length: n }, () => Math.floor(r() * 256));
  };
  const a = uuidv7(1_700_000_000_000, bytes(1));
  const b = uuidv7(1_700_000_000_001, bytes(1));
  expect(a).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
  expect(a < b).toBe(true);
  expect(uuidv7(1_700_000_000_000, bytes(1))).toBe(a);
});
