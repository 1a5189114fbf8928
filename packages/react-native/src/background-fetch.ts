import type { BackgroundSync } from './background-sync.ts';

/**
 * The part of `react-native-background-fetch`'s default export the helper uses (pass
 * `BackgroundFetch` itself). Injected: the module cannot load outside React Native.
 *
 * @example
 * import BackgroundFetch from 'react-native-background-fetch';
 * const os: BackgroundFetchLike = BackgroundFetch;
 */
export interface BackgroundFetchLike {
  configure(
    config: { minimumFetchInterval?: number } & Record<string, unknown>,
    onEvent: (taskId: string) => void | Promise<void>,
    onTimeout?: (taskId: string) => void,
  ): Promise<number>;
  finish(taskId: string): void;
}

/**
 * The event a headless task receives (Android, app terminated): `{ taskId, timeout }`.
 *
 * @example
 * const event: HeadlessEvent = { taskId: 'react-native-background-fetch', timeout: false };
 */
export interface HeadlessEvent {
  taskId: string;
  timeout: boolean;
}

/**
 * Options of {@link configureBackgroundFetch}.
 *
 * @example
 * configureBackgroundFetch(BackgroundFetch, background, { config: { minimumFetchInterval: 30, enableHeadless: true } });
 */
export interface BackgroundFetchOptions {
  /** Passed to `BackgroundFetch.configure`; default `{ minimumFetchInterval: 15 }` (minutes). */
  config?: { minimumFetchInterval?: number } & Record<string, unknown>;
  /** A failing `finish` (the native module threw); never thrown. */
  onError?: (error: unknown) => void;
}

/**
 * Runs `background.run()` on every background-fetch event and calls
 * `BackgroundFetch.finish(taskId)` exactly once per task, in every path: after the run resolves
 * (it always does, within its budget), or at once when the OS calls `onTimeout` — which also
 * aborts the run. Resolves with `configure`'s status (`BackgroundFetch.STATUS_AVAILABLE`…).
 *
 * @example
 * import BackgroundFetch from 'react-native-background-fetch';
 *
 * const background = createBackgroundSync({ client, storage: AsyncStorage });
 * await configureBackgroundFetch(BackgroundFetch, background);
 */
export function configureBackgroundFetch(
  BackgroundFetch: BackgroundFetchLike,
  background: BackgroundSync,
  options: BackgroundFetchOptions = {},
): Promise<number> {
  const tasks = backgroundFetchTasks(BackgroundFetch, options.onError);
  return BackgroundFetch.configure(
    options.config ?? { minimumFetchInterval: 15 },
    (taskId) => tasks.start(taskId, background),
    (taskId) => tasks.timeout(taskId),
  );
}

/**
 * The handler for `BackgroundFetch.registerHeadlessTask` (Android, after the app was terminated:
 * no React tree, so the task opens its own client). `open` makes the helper for this process;
 * an event with `timeout: true` is finished at once.
 *
 * @example
 * BackgroundFetch.registerHeadlessTask(
 *   backgroundFetchHeadlessTask(BackgroundFetch, async () => createBackgroundSync({ client: await openClient() })),
 * );
 */
export function backgroundFetchHeadlessTask(
  BackgroundFetch: BackgroundFetchLike,
  open: () => Promise<BackgroundSync> | BackgroundSync,
  options: Pick<BackgroundFetchOptions, 'onError'> = {},
): (event: HeadlessEvent) => Promise<void> {
  const tasks = backgroundFetchTasks(BackgroundFetch, options.onError);
  return async ({ taskId, timeout }) => {
    if (timeout) return tasks.timeout(taskId);
    let background: BackgroundSync;
    try {
      background = await open();
    } catch (error) {
      options.onError?.(error);
      return tasks.timeout(taskId);
    }
    await tasks.start(taskId, background);
  };
}

/** The tasks in flight: each is finished exactly once, whichever of run or timeout comes first. */
function backgroundFetchTasks(BackgroundFetch: BackgroundFetchLike, onError?: (error: unknown) => void) {
  const inFlight = new Map<string, AbortController>();
  const finished = new Set<string>();
  const finish = (taskId: string) => {
    if (finished.has(taskId)) return;
    finished.add(taskId);
    inFlight.delete(taskId);
    try {
      BackgroundFetch.finish(taskId);
    } catch (error) {
      onError?.(error);
    }
  };
  return {
    async start(taskId: string, background: BackgroundSync): Promise<void> {
      const controller = new AbortController();
      inFlight.set(taskId, controller);
      finished.delete(taskId);
      try {
        await background.run({ signal: controller.signal });
      } finally {
        finish(taskId);
      }
    },
    timeout(taskId: string): void {
      inFlight.get(taskId)?.abort();
      finish(taskId);
    },
  };
}
