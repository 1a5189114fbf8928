/**
 * Issue 12, done-when 4: one 10-second outage with retries (a manual clock, a scripted transport)
 * gives at most two `error` events (the server going away, then a change of error while it comes
 * back) and one `connected: true` when it ends. An app that toasts `error` shows two toasts.
 */
import { describe, expect, test } from 'vitest';
import { type Call, defaultAnswer, fail, scriptedClient } from '../../test/scripted.ts';

async function until(cond: () => boolean): Promise<void> {
  for (let i = 0; i < 2000 && !cond(); i++) await new Promise<void>((r) => setImmediate(r));
  expect(cond()).toBe(true);
}

describe('one outage', () => {
  test('10 s down (network errors, then 503s): two error events, one connected: true at the end', async () => {
    let t0 = 0;
    let attempts = 0;
    const c = scriptedClient((call: Call) => {
      const elapsed = c.clock.now() - t0;
      if (elapsed >= 10_000) return defaultAnswer(call);
      attempts += 1;
      // The process is gone for 6 s; then it answers 503 while its database starts.
      return elapsed < 6_000 ? 'network' : fail(503, 'unavailable');
    });
    t0 = c.clock.now();
    const errors: string[] = [];
    const connected: boolean[] = [];
    c.on('error', (e) => errors.push(e.code));
    c.subscribe((s) => {
      if (connected.at(-1) !== s.connected) connected.push(s.connected);
    });
    await c.db.notes.insert({ title: 'written during the outage' });
    await c.start();
    // Walk the clock through every retry until the outbox is empty (no sleeping: each step fires
    // the one armed timer, then lets the engine's promise work run).
    for (let step = 0; step < 50 && !(c.status.pending === 0 && c.status.error === null); step++) {
      await until(() => c.clock.pending().length === 1);
      c.clock.advance(c.clock.pending()[0]! - c.clock.now());
      await until(() => c.status.phase === 'idle');
    }
    expect(c.clock.now() - t0).toBeGreaterThanOrEqual(10_000);
    expect(attempts).toBeGreaterThanOrEqual(5); // it did retry, several times
    expect(errors).toEqual(['network', 'unavailable']);
    expect(connected.filter((v) => v)).toEqual([true]);
    expect(c.status).toMatchObject({ connected: true, error: null, pending: 0 });

    // The serialised status carries the error's code and message (an Error's message is not enumerable).
    const failing = scriptedClient(() => 'network');
    await expect(failing.sync()).rejects.toMatchObject({ code: 'network' });
    const json = JSON.parse(JSON.stringify(failing.status)) as { error: { code: string; message: string } };
    expect(json.error.code).toBe('network');
    expect(json.error.message).toBe('unreachable (script)');
    await c.stop();
  });
});
