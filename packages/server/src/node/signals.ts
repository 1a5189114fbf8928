/** Options of {@link installSignalHandlers}. */
export interface SignalHandlerOptions {
  /** Default `['SIGTERM', 'SIGINT']`. */
  signals?: readonly NodeJS.Signals[];
  /** Called with the exit code once shutdown ends; default `process.exit`. */
  exit?: (code: number) => void;
  /** Told when a signal starts the shutdown (the CLI prints it). */
  onSignal?: (signal: NodeJS.Signals) => void;
  /** Told when a later signal cuts the shutdown short (exit code 1). */
  onForce?: (signal: NodeJS.Signals) => void;
  /** Told when `close` fails; the exit code is then 1. */
  onError?: (error: unknown) => void;
  /**
   * Signals within this many ms of the first are ignored (default 1000): one Ctrl-C reaches the
   * server several times through a process chain (terminal, npm, tsx), and must not force an exit.
   */
  duplicateWindowMs?: number;
  /** Clock, for tests; default `Date.now`. */
  now?: () => number;
}

/**
 * Closes gracefully on SIGTERM/SIGINT: the first signal runs `close` and exits 0 (1 if it
 * failed); a signal more than `duplicateWindowMs` later exits 1 at once, for an operator who
 * does not want to wait. Returns a function that removes the handlers.
 *
 * @example
 * const listener = await listen(server, { port: 8787 });
 * installSignalHandlers(() => listener.close());
 */
export function installSignalHandlers(
  close: () => Promise<void>,
  options: SignalHandlerOptions = {},
): () => void {
  const signals = options.signals ?? ['SIGTERM', 'SIGINT'];
  const exit = options.exit ?? ((code: number) => process.exit(code));
  const now = options.now ?? Date.now;
  const window = options.duplicateWindowMs ?? 1000;
  let firstAt: number | null = null;
  const onSignal = (signal: NodeJS.Signals) => {
    if (firstAt !== null) {
      if (now() - firstAt < window) return;
      options.onForce?.(signal);
      exit(1);
      return;
    }
    firstAt = now();
    options.onSignal?.(signal);
    close().then(
      () => exit(0),
      (error: unknown) => {
        options.onError?.(error);
        exit(1);
      },
    );
  };
  for (const signal of signals) process.on(signal, onSignal);
  return () => {
    for (const signal of signals) process.off(signal, onSignal);
  };
}
