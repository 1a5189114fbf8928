/**
 * Pokes and the HTTP rate limit, on a fake WebSocket and a manual clock: a poke-driven pull
 * answered 429 waits out its `Retry-After`, and the pokes that keep arriving meanwhile pull
 * nothing (the retry pulls every collection), so a rate-limited client does not hammer.
 */
import { describe, expect, test } from 'vitest';
import { nextDelay, settle, setupRealtime, until, welcome } from '../../test/realtime-setup.ts';
import { defaultAnswer, fail, type Script } from '../../test/scripted.ts';

describe('poke-driven pulls under a 429', () => {
  test('a 429 on a poke pull: no pull per poke during Retry-After; one cycle after it; pokes pull again', async () => {
    let limited = false;
    const script: Script = (call) =>
      limited && call.path === '/pull'
        ? fail(429, 'rate_limited', undefined, { 'retry-after': '30' })
        : defaultAnswer(call);
    const { c, fake, pulls, errors } = await setupRealtime(script);
    welcome(fake.last(), 600_000); // no ping timer before the retry
    await until(() => pulls().length === 2 && c.status.phase === 'idle');

    limited = true;
    fake.last().message({ type: 'poke', collections: ['notes'] });
    await until(() => errors.length === 1);
    expect(errors[0]?.code).toBe('rate_limited');
    expect(pulls()).toHaveLength(3);
    for (let i = 0; i < 20; i++) fake.last().message({ type: 'poke', collections: ['notes'] });
    await settle();
    expect(pulls()).toHaveLength(3);
    expect(nextDelay(c)).toBeGreaterThanOrEqual(30_000);

    limited = false;
    c.clock.advance(nextDelay(c));
    await until(() => pulls().length === 4 && c.status.phase === 'idle');
    fake.last().message({ type: 'poke', collections: ['notes'] });
    await until(() => pulls().length === 5);
    await c.stop();
  });
});
