/**
 * Conflict detection per collection strategy (ARCHITECTURE.md §5.1) and the messages a person reads when a
 * change was not saved. Client clocks never decide anything: only versions do.
 */
import type { ConflictStrategy } from '@syncline/core';
import type { StoredRecord } from '../../stores/types.ts';

/**
 * Whether an update (with `patchKeys`) or a delete built on `baseVersion` conflicts with `stored`.
 * - reject-stale: any change since baseVersion.
 * - merge-fields: an update conflicts only if a field it changes was changed since baseVersion;
 *   a delete conflicts on any change.
 * - last-write-wins: never.
 */
export function isConflict(
  strategy: ConflictStrategy,
  stored: StoredRecord,
  incoming: { op: 'update' | 'delete'; baseVersion: number; patchKeys: readonly string[] },
): boolean {
  if (strategy === 'last-write-wins') return false;
  if (stored.record.version === incoming.baseVersion) return false;
  if (strategy === 'merge-fields' && incoming.op === 'update') {
    return incoming.patchKeys.some((k) => (stored.fieldVersions[k] ?? 0) > incoming.baseVersion);
  }
  return true;
}

/** "tasks" → "task", "categories" → "category", "todoItems" → "todo item": for messages only. */
export function noun(collection: string): string {
  const words = collection.replace(/[A-Z]/g, (c) => ` ${c.toLowerCase()}`);
  if (words.endsWith('ies')) return `${words.slice(0, -3)}y`;
  if (words.endsWith('ss')) return words;
  if (words.endsWith('s')) return words.slice(0, -1);
  return words;
}

export const messages = {
  updateConflict: (c: string) =>
    `Someone else changed this ${noun(c)} after you started editing it; your change was not saved. The current version is shown.`,
  deleteConflict: (c: string) =>
    `Someone else changed this ${noun(c)} after you last saw it, so it was not deleted. The current version is shown; delete it again if you still want to.`,
  insertExists: (c: string) =>
    `A ${noun(c)} with this id already exists (it may have been deleted), so yours was not created. Create it again to get a new id.`,
  notFound: (c: string) =>
    `This ${noun(c)} no longer exists (someone may have deleted it), so your change was not saved.`,
  deleteMissing: (c: string) =>
    `This ${noun(c)} does not exist on the server, so there was nothing to delete.`,
  forbidden: (c: string) =>
    `You do not have permission to change this ${noun(c)}, so your change was not saved.`,
  unknownCollection: (c: string) =>
    `"${c}" is not a collection this server syncs, so the change was not saved. The app may be newer or older than the server.`,
  invalid: (c: string) => `This change to a ${noun(c)} is not valid, so it was not saved.`,
  tooLarge: (c: string, max: number) =>
    `This change to a ${noun(c)} is larger than the server accepts (${max} bytes), so it was not saved.`,
  failed: (c: string) =>
    `The server could not save this change to a ${noun(c)} because of an error while applying it. It was not saved.`,
} as const;
