import type { BackgroundSync } from './background-sync.ts';

/**
 * `BackgroundTaskResult` of `expo-background-task` (pass it; the module cannot load outside Expo).
 *
 * @example
 * import { BackgroundTaskResult } from 'expo-background-task';
 * const results: ExpoBackgroundTaskResult = BackgroundTaskResult;
 */
export interface ExpoBackgroundTaskResult {
  readonly Success: number;
  readonly Failed: number;
}

/**
 * The executor for `TaskManager.defineTask` with `expo-background-task`: runs `background.run()`
 * and returns `BackgroundTaskResult.Success` after a full sync, `Failed` otherwise (offline,
 * timed out, refused). It never throws, and it returns within the run's budget: Expo has no
 * timeout callback, so the budget (default 25 s) is what keeps the task inside iOS's ~30 s.
 *
 * @example
 * import * as BackgroundTask from 'expo-background-task';
 * import * as TaskManager from 'expo-task-manager';
 *
 * TaskManager.defineTask('syncline-sync', expoBackgroundTask(background, BackgroundTask.BackgroundTaskResult));
 * await BackgroundTask.registerTaskAsync('syncline-sync', { minimumInterval: 15 });
 */
export function expoBackgroundTask(
  background: BackgroundSync,
  BackgroundTaskResult: ExpoBackgroundTaskResult,
): () => Promise<number> {
  return async () => {
    const record = await background.run();
    return record.outcome === 'synced' ? BackgroundTaskResult.Success : BackgroundTaskResult.Failed;
  };
}
