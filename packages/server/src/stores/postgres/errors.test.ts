/** Retry and placeholder logic, without a database: injected sleep and random make it exact. */
import { SynclineError } from '@syncline/core';
import { describe, expect, test } from 'vitest';
import { asUnavailable, withRetry } from './errors.ts';
import { encodePosition, parsePosition } from './position.ts';
import { toDollarParams } from './sql.ts';

const pgError = (code: string) => Object.assign(new Error(`pg ${code}`), { code });

describe('withRetry', () => {
  test('retries deadlocks and serialization failures with doubling, jittered backoff', async () => {
    const sleeps: number[] = [];
    let calls = 0;
    const out = await withRetry(
      async () => {
        calls++;
        if (calls < 4) throw pgError(calls % 2 ? '40P01' : '40001');
        return 'done';
      },
      { sleep: async (ms) => void sleeps.push(ms), random: () => 0.5, baseMs: 10, maxMs: 1000 },
    );
    expect(out).toBe('done');
    expect(sleeps).toEqual([5, 10, 20]);
  });

  test('gives up after the attempts with a retryable 503', async () => {
    let calls = 0;
    const err = await withRetry(
      async () => {
        calls++;
        throw pgError('40P01');
      },
      { attempts: 3, sleep: async () => undefined },
    ).catch((e: unknown) => e);
    expect(calls).toBe(3);
    expect(err).toBeInstanceOf(SynclineError);
    expect(err).toMatchObject({ code: 'unavailable', status: 503, retryable: true });
  });

  test('does not retry other errors, and passes them through unchanged', async () => {
    let calls = 0;
    const boom = pgError('23505');
    await expect(
      withRetry(async () => {
        calls++;
        throw boom;
      }),
    ).rejects.toBe(boom);
    expect(calls).toBe(1);
  });

  test('outages become unavailable; bugs stay what they are', () => {
    expect(asUnavailable(pgError('57P01'))).toMatchObject({ code: 'unavailable' });
    expect(asUnavailable(pgError('ECONNREFUSED'))).toMatchObject({ code: 'unavailable' });
    expect(asUnavailable(pgError('57014'))).toMatchObject({ code: 'unavailable' });
    const syntax = pgError('42601');
    expect(asUnavailable(syntax)).toBe(syntax);
  });
});

describe('toDollarParams', () => {
  test('numbers ? outside literals, identifiers, comments and dollar quotes; ?? is a literal ?', () => {
    expect(toDollarParams('SELECT id FROM lists WHERE owner_id = ? AND name = ?')).toBe(
      'SELECT id FROM lists WHERE owner_id = $1 AND name = $2',
    );
    expect(toDollarParams(`SELECT '?', "a?b", 'it''s ?', $$?$$, $t$ ? $t$ -- ?\n, ? /* ? */`)).toBe(
      `SELECT '?', "a?b", 'it''s ?', $$?$$, $t$ ? $t$ -- ?\n, $1 /* ? */`,
    );
    expect(toDollarParams('SELECT data ?? ? FROM t WHERE x = $1')).toBe(
      'SELECT data ? $1 FROM t WHERE x = $1',
    );
  });
});

describe('positions', () => {
  test('round-trip any id; reject everything else', () => {
    const p = { generation: '0123456789abcdef', txid: 18446744073709551615n, id: 'é:.🙂' };
    expect(parsePosition(encodePosition(p))).toEqual(p);
    expect(encodePosition(p)).not.toMatch(/\./);
    for (const bad of [
      '',
      'garbage',
      ':',
      '12:-1',
      '0123456789abcdef:18446744073709551616:',
      '0123456789abcdef:1:a',
      `0123456789abcdef:1:${'A'.repeat(200)}`,
    ]) {
      expect(parsePosition(bad)).toBeNull();
    }
  });
});
