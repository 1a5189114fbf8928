/**
 * The one-shot commands: `syncline migrate` and `syncline gc`. Each opens the store, does its
 * work, prints one summary line and closes the store (the pool), so the process can exit.
 */
import type { DatabaseArgs, GcArgs } from './args.ts';
import { formatDuration } from './duration.ts';
import type { Output } from './serve.ts';
import { loadTarget, openTarget } from './target.ts';

/** `syncline migrate`: creates or additively migrates the tables, then closes. */
export async function migrateCommand(args: DatabaseArgs, env: NodeJS.ProcessEnv, out: Output): Promise<void> {
  const target = await loadTarget(args, env);
  const { store, description } = await openTarget(target, args);
  try {
    await store.migrate();
  } finally {
    await store.close().catch(() => {});
  }
  const collections = Object.keys(target.schema.collections).join(', ');
  out.log(`Migrated ${description}: ${collections}.`);
}

/**
 * `syncline gc`: removes tombstones (and gone-markers) deleted before the horizon
 * `now - olderThan`. A client whose cursor lies before what was removed gets `reset` at its next
 * pull and downloads its collections again; its pending writes are kept and pushed.
 */
export async function gcCommand(args: GcArgs, env: NodeJS.ProcessEnv, out: Output): Promise<void> {
  const target = await loadTarget(args, env);
  const { store, description } = await openTarget(target, args);
  // For the message only: the store cuts off by the database clock, which may differ slightly.
  const horizon = new Date(Date.now() - args.olderThanMs).toISOString();
  let removed: number;
  try {
    ({ removed } = await store.gc(args.olderThanMs));
  } finally {
    await store.close().catch(() => {});
  }
  out.log(
    `Removed ${removed} tombstone(s) deleted before ${horizon} (older than ${formatDuration(args.olderThanMs)}) from ${description}.`,
  );
}
