import { describe, expect, it } from 'vitest';
import { parsePullResponse, pullResponse } from './pull.ts';

const good = {
  id: 'a',
  version: 3,
  updatedAt: '2026-01-01T00:00:00.000Z',
  updatedBy: null,
  deletedAt: null,
  title: 'x',
};
const page = (changes: unknown[]) => ({
  collections: { tasks: { changes, cursor: 'c', hasMore: false, reset: false } },
  remaining: 0,
});

describe('parsePullResponse', () => {
  const records: unknown[] = [
    good,
    { id: 'a', version: 0, deletedAt: '2026-01-01T00:00:00.000Z' },
    { ...good, updatedBy: 'u1', extra: { nested: [1] } },
    { ...good, updatedAt: undefined, updatedBy: undefined },
    { ...good, id: '' },
    { ...good, id: 'x'.repeat(128) },
    { ...good, id: 'x'.repeat(129) },
    { ...good, id: 7 },
    { ...good, version: -1 },
    { ...good, version: 1.5 },
    { ...good, version: 2 ** 53 },
    { ...good, version: '3' },
    { ...good, updatedAt: null },
    { ...good, updatedBy: 5 },
    { ...good, deletedAt: undefined },
    { id: 'a', version: 1 },
    null,
    'a',
    [good],
  ];
  it.each(records.map((r, i) => [i, r]))('agrees with the schema on record %i', (_, record) => {
    const fast = parsePullResponse(page([good, record]));
    const full = pullResponse.safeParse(page([good, record]));
    expect(fast.success).toBe(full.success);
    if (fast.success && full.success) expect(fast.data).toEqual(full.data);
    else expect(fast.error?.issues).toEqual(full.error?.issues);
  });

  it('agrees with the schema on the envelope', () => {
    for (const raw of [
      null,
      {},
      { collections: {}, remaining: -1 },
      { collections: { t: { changes: [], cursor: 'c', hasMore: true } }, remaining: 0 },
      { collections: { t: { changes: {}, cursor: 'c', hasMore: true, reset: false } }, remaining: 0 },
      {
        collections: { t: { changes: [], cursor: 'c', hasMore: true, reset: false, revoked: { keys: {} } } },
        remaining: 1,
      },
    ]) {
      expect(parsePullResponse(raw).success).toBe(pullResponse.safeParse(raw).success);
    }
  });

  it('keeps the records it was given (no copy per record)', () => {
    const raw = page([good]);
    const parsed = parsePullResponse(raw);
    expect(parsed.success && parsed.data.collections.tasks!.changes[0]).toBe(good);
  });
});
