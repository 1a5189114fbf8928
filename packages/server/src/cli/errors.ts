/**
 * A mistake in the command line or configuration: the CLI prints the message and exits 2.
 * Anything else that stops the start (port in use, a module that throws) exits 1.
 */
export class UsageError extends Error {
  override readonly name = 'UsageError';
}

/** Exit codes of the `syncline` command. */
export const EXIT = { ok: 0, failure: 1, usage: 2 } as const;
