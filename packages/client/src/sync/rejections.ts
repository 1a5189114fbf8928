import type { RejectionCode } from '@syncline/core';
import type { SyncContext } from './context.ts';

/** "tasks" → "task": a readable noun for messages; falls back to "record". */
function noun(collection: string): string {
  const words = collection
    .replace(/([A-Z])/g, ' $1')
    .toLowerCase()
    .trim();
  if (!words) return 'record';
  if (words.endsWith('ies')) return `${words.slice(0, -3)}y`;
  if (words.endsWith('s') && !words.endsWith('ss')) return words.slice(0, -1);
  return words;
}

/**
 * The message a person reads: what happened, why, and what they can do. The server's own message
 * (for developers) is appended only for `invalid`, where it names the offending field.
 *
 * @example
 * rejectionMessage('conflict', 'tasks', true);
 * // "Your change to this task was not saved because someone else changed it first. …"
 */
export function rejectionMessage(
  code: RejectionCode,
  collection: string,
  hasCurrent: boolean,
  issues: Array<{ path: string; message: string }> = [],
  reason?: 'access_removed',
): string {
  const n = noun(collection);
  if (reason === 'access_removed')
    return `Your change to this ${n} was not saved because your access to it was removed, so it was removed from this device. Ask the owner to share it again if you need it.`;
  switch (code) {
    case 'conflict':
      return hasCurrent
        ? `Your change to this ${n} was not saved because someone else changed it first. The current version is shown; you can re-apply your change.`
        : `Your change to this ${n} was not saved because someone else changed it first.`;
    case 'not_found':
      return `Your change to this ${n} was not saved because it was deleted by someone else.`;
    case 'forbidden':
      return `Your change to this ${n} was not saved because you are not allowed to make it. Ask the owner for access if you need it.`;
    case 'invalid': {
      const detail = issues.map((i) => `${i.path} ${i.message}`).join('; ');
      return `Your change to this ${n} was not saved because the server found it invalid${detail ? ` (${detail})` : ''}. Please correct it and try again.`;
    }
  }
}

/**
 * Emits `rejected` once for every stored rejection not yet notified, then marks them notified in
 * one write tx. A crash between the two re-emits on the next run (at least once, never lost);
 * within a process each stored rejection is emitted exactly once.
 */
export async function notifyRejections(ctx: SyncContext, alreadyEmitted: Set<string>): Promise<void> {
  const pending = (await ctx.store.read((tx) => tx.rejections())).filter((r) => !r.notified);
  if (pending.length === 0) return;
  await ctx.failpoint('rejected:before-notify');
  for (const r of pending) {
    if (alreadyEmitted.has(r.key)) continue;
    alreadyEmitted.add(r.key);
    const { notified: _, ...rejection } = r;
    ctx.rejected(rejection);
  }
  await ctx.store.write(async (tx) => {
    for (const r of pending) {
      const now = (await tx.rejections()).find((x) => x.key === r.key);
      if (now) await tx.putRejection({ ...now, notified: true });
    }
    await ctx.failpoint('rejected:notified:before-commit');
  });
}
