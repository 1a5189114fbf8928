/** The timestamptz parser of the PostgreSQL store: the UTC fast path answers what the Date path does. */
import pg from 'pg';
import { describe, expect, test } from 'vitest';
import { timestamptzToIso } from './records.ts';

const viaDate = (text: string) => {
  const d = pg.types.getTypeParser(1184, 'text')(text) as Date;
  return Number.isNaN(d.getTime()) ? text : d.toISOString();
};

describe('postgres timestamptz text', () => {
  test('UTC text becomes the same ISO string as through a Date, without one', () => {
    for (const text of [
      '2026-12-01 23:19:45.123+00',
      '2026-12-01 23:19:45.12+00',
      '2026-12-01 23:19:45.1+00',
      '2026-12-01 23:19:45+00',
      '0044-03-15 12:00:00+00',
      '9999-12-31 23:59:59.999+00',
      '1970-01-01 00:00:00+00',
    ]) {
      expect(timestamptzToIso(text)).toBe(viaDate(text));
    }
    expect(timestamptzToIso('2026-12-01 23:19:45.12+00')).toBe('2026-12-01T23:19:45.120Z');
  });

  test('other offsets, finer precision, BC years and infinity take the Date path or stay text', () => {
    for (const text of [
      '2026-12-02 04:49:45.12+05:30',
      '2026-12-01 19:49:45.12-03:30',
      '0044-03-15 17:53:28+05:53:28',
      '2026-12-01 23:19:45.123456+00',
    ]) {
      expect(timestamptzToIso(text)).toBe(viaDate(text));
    }
    expect(timestamptzToIso('2026-12-02 04:49:45.12+05:30')).toBe('2026-12-01T23:19:45.120Z');
    expect(timestamptzToIso('infinity')).toBe('infinity');
    expect(timestamptzToIso('0044-03-15 00:00:00+00 BC')).not.toMatch(/^0044-03-15T/);
  });
});
