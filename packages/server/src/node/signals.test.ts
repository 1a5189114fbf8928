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

  test('a repeat within the duplicate window is the same delivery; a later one exits 1 at once', () => {
    let clock = 1_000;
    const exits: number[] = [];
    const forced: string[] = [];
    uninstalls.push(
      installSignalHandlers(() => new Promise<void>(() => {}), {
        signals: ['SIGUSR2'],
        exit: (code) => exits.push(code),
        onForce: (s) => forced.push(s),
        now: () => clock,
      }),
    );
    process.emit('SIGUSR2', 'SIGUSR2');
    clock += 200; // e.g. npm forwarding the terminal's Ctrl-C
    process.emit('SIGUSR2', 'SIGUSR2');
    expect(exits).toEqual([]);
    clock += 2_000; // the operator presses Ctrl-C again
    process.emit('SIGUSR2', 'SIGUSR2');
    expect(exits).toEqual([1]);
    expect(forced).toEqual(['SIGUSR2']);
  });

  test('uninstall removes the handlers', () => {
    const before = process.listenerCount('SIGUSR2');
    const remove = installSignalHandlers(async () => {}, { signals: ['SIGUSR2'], exit: () => {} });
    expect(process.listenerCount('SIGUSR2')).toBe(before + 1);
    remove();
    expect(process.listenerCount('SIGUSR2')).toBe(before);
  });
});
