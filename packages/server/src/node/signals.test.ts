import { afterEach, describe, expect, test } from 'vitest';
import { installSignalHandlers } from './signals.ts';

// process.emit runs the listeners without a real signal, so the test process is never at risk.
const uninstalls: Array<() => void> = [];
afterEach(() => {
  for (const u of uninstalls.splice(0)) u();
});

function install(close: () => Promise<void>) {
  const exits: number[] = [];
  let exited: (code: number) => void = () => {};
  const exit = new Promise<number>((resolve) => {
    exited = resolve;
  });
  const signals: string[] = [];
  const errors: unknown[] = [];
  uninstalls.push(
    installSignalHandlers(close, {
      signals: ['SIGUSR2'],
      exit: (code) => {
        exits.push(code);
        exited(code);
      },
      onSignal: (s) => signals.push(s),
      onError: (e) => errors.push(e),
    }),
  );
  return { exits, exit, signals, errors };
}

describe('installSignalHandlers', () => {
  test('the first signal closes, then exits 0', async () => {
    let closed = 0;
    const h = install(async () => {
      closed += 1;
    });
    process.emit('SIGUSR2', 'SIGUSR2');
    expect(await h.exit).toBe(0);
    expect(closed).toBe(1);
    expect(h.signals).toEqual(['SIGUSR2']);
  });

  test('a failing close exits 1 and reports the error', async () => {
    const h = install(async () => {
      throw new Error('store stuck');
    });
    process.emit('SIGUSR2', 'SIGUSR2');
    expect(await h.exit).toBe(1);
    expect(h.errors).toEqual([new Error('store stuck')]);
  });

  test('a second signal during a slow close exits 1 at once', async () => {
    const h = install(() => new Promise<void>(() => {}));
    process.emit('SIGUSR2', 'SIGUSR2');
    expect(h.exits).toEqual([]);
    process.emit('SIGUSR2', 'SIGUSR2');
    expect(h.exits).toEqual([1]);
  });

  test('uninstall removes the handlers', () => {
    const before = process.listenerCount('SIGUSR2');
    const remove = installSignalHandlers(async () => {}, { signals: ['SIGUSR2'], exit: () => {} });
    expect(process.listenerCount('SIGUSR2')).toBe(before + 1);
    remove();
    expect(process.listenerCount('SIGUSR2')).toBe(before);
  });
});
