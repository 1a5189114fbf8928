/**
 * Named points where the engine awaits the `failpoint` hook. A crash test kills the process at
 * each one and checks that the restarted client keeps every promise of ARCHITECTURE.md §1. Names ending
 * in `:before-commit` run inside the local write transaction, before it commits.
 *
 * Every name in {@link FAILPOINTS} is reached by a sync (from a fresh store) that has pending
 * inserts, updates and deletes, a reset (server `reset: true` or a schema change) and a rejection.
 *
 * @example
 * createClient({ schema, store, failpoint: (name) => { if (name === process.env.KILL_AT) process.kill(process.pid, 'SIGKILL'); } });
 */
export const FAILPOINTS = [
  'open:reset:before-commit',
  'write:before-commit',
  'write:after-commit',
  'loop:before-push',
  'push:info:before-request',
  'push:before-assign',
  'push:assign:before-commit',
  'push:after-assign',
  'push:before-send',
  'push:after-send-before-response',
  'push:after-response',
  'push:apply:before-commit',
  'push:reject:before-commit',
  'push:after-apply',
  'rejected:before-notify',
  'rejected:notified:before-commit',
  'loop:before-pull',
  'pull:before-request',
  'pull:after-response',
  'pull:reset-mark:before-commit',
  'pull:apply:before-commit',
  'pull:after-page',
  'pull:sweep:before-commit',
  'pull:after-sweep',
  'loop:after-cycle',
] as const;

/**
 * Failpoints reached only in rarer situations: a `seq_gap` / foreign-`clientId` answer (the
 * client starts a new clientId), and `reapply()` of a rejection by the app.
 */
export const CONDITIONAL_FAILPOINTS = [
  'push:seq-gap:before-commit',
  'push:after-seq-gap',
  'reapply:before-commit',
] as const;

/** The name of a failpoint: one of {@link FAILPOINTS} or {@link CONDITIONAL_FAILPOINTS}. */
export type FailpointName = (typeof FAILPOINTS)[number] | (typeof CONDITIONAL_FAILPOINTS)[number];

/** The hook's type: may throw (the surrounding transaction rolls back) or never return (kill). */
export type FailpointHook = (name: FailpointName) => void | Promise<void>;
