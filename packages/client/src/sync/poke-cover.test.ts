/**
 * Pokes heard during a cycle's push, before its pull is sent, are answered by that pull: the
 * writer's own poke (the server pokes every socket that can see a change, the writer's too) costs
 * no second pull. A poke heard after the pull was sent still pulls, and a failed pull leaves the
 * pokes it was to answer wanted.
 */
import { describe, expect, test } from 'vitest';
import { settle, setupRealtime, until, welcome } from '../../test/realtime-setup.ts';
import { type Call, defaultAnswer, type Script } from '../../test/scripted.ts';

/** A script that holds the next request to `path` until released. */
function holding() {
  const held: Partial<Record<string, () => void>> = {};
  let hold: string | null = null;
  let down = false;
  const script: Script = async (call: Call) => {
    if (call.path === hold) {
      hold = null;
      await new Promise<void>((r) => {
        held[call.path] = r;
      });
    }
    if (down && call.path === '/pull') return 'network';
    return defaultAnswer(call);
  };
  return {
    script,
    hold: (path: string) => {
      hold = path;
    },
    release: (path: string) => held[path]?.(),
    isHeld: (path: string) => held[path] !== undefined,
    setDown: (d: boolean) => {
      down = d;
    },
  };
}

type Setup = Awaited<ReturnType<typeof setupRealtime>>;

/** A local write whose push is held; the server's poke for it arrives before the push returns. */
async function pokeDuringPush(h: ReturnType<typeof holding>, c: Setup['c'], fake: Setup['fake']) {
  h.hold('/push');
  await c.db.notes.insert({ title: 'a' });
  c.clock.advance(0);
  await until(() => h.isHeld('/push'));
  fake.last().message({ type: 'poke', collections: ['notes'] });
  await settle();
}

describe('pokes covered by the pull of a cycle', () => {
  test("a poke during the push (the writer's own) adds no pull; one after the pull was sent does", async () => {
    const h = holding();
    const { c, fake, pulls } = await setupRealtime(h.script, { client: { pushDebounceMs: 0 } });
    welcome(fake.last(), 600_000);
    await until(() => pulls().length === 2 && c.status.phase === 'idle');

    await pokeDuringPush(h, c, fake);
    h.release('/push');
    await until(() => c.status.pending === 0 && c.status.phase === 'idle');
    await settle();
    expect(pulls()).toHaveLength(3);

    // A poke heard after the cycle's pull was sent may name a later change: it pulls.
    h.hold('/push');
    await c.db.notes.insert({ title: 'b' });
    c.clock.advance(0);
    await until(() => h.isHeld('/push'));
    h.hold('/pull');
    h.release('/push');
    await until(() => h.isHeld('/pull'));
    fake.last().message({ type: 'poke', collections: ['notes'] });
    await settle();
    h.release('/pull');
    await until(() => pulls().length === 5 && c.status.phase === 'idle');
    await settle();
    expect(pulls()).toHaveLength(5);
    await c.stop();
  });

  test('the pull of the cycle fails: the poke it was to answer still pulls', async () => {
    const h = holding();
    const { c, fake, pulls } = await setupRealtime(h.script, { client: { pushDebounceMs: 0 } });
    welcome(fake.last(), 600_000);
    await until(() => pulls().length === 2 && c.status.phase === 'idle');

    await pokeDuringPush(h, c, fake);
    h.setDown(true);
    h.release('/push');
    // The cycle's pull fails, then the poke's own pull is tried (and fails too, here).
    await until(() => pulls().length === 4);
    await c.stop();
  });
});
