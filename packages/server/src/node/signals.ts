export interface SignalHandlerOptions {
  /** Default `['SIGTERM', 'SIGINT']`. */
  signals?: readonly NodeJS.Signals[];
  /** Called with the exit code once shutdown ends; default `process.exit`. */
  exit?: (code: number) => void;
  /** Told when a signal starts the shutdown (the CLI prints it). */
  onSignal?: (signal: NodeJS.Signals) => void;
  /** Told when `close` fails; the exit code is then 1. */
  onError?: (error: unknown) => void;
}

/**
 * Closes gracefully on SIGTERM/SIGINT: the first signal runs `close` and exits 0 (1 if it
 * failed); a second signal exits 1 at once, for an operator who does not want to wait.
 * Returns a function that removes the handlers.
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
  let shuttingDown = false;
  const onSignal = (signal: NodeJS.Signals) => {
    if (shuttingDown) {
      exit(1);
      return;
    }
    shuttingDown = true;
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
