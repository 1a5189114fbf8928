/**
 * The one-shot commands: `syncline migrate`, `syncline gc` and `syncline bump-generation`. Each opens the store, does its
 * work, prints one summary line and closes the store (the pool), so the process can exit.
 */
import type { DatabaseArgs, GcArgs } from './args.ts';
import { formatDuration } from './duration.ts';
import { UsageError } from './errors.ts';
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

/**
 * `syncline bump-generation`: starts a new database generation, so every client's cursor answers
 * `reset` at its next pull; clients download everything again, the server's state replaces theirs,
 * and their pending writes are kept and pushed. Run it after restoring a PostgreSQL backup or
 * promoting a replica, before serving (SQLite detects a restored file by itself; decision 0011).
 */
export async function bumpGenerationCommand(
  args: DatabaseArgs,
  env: NodeJS.ProcessEnv,
  out: Output,
): Promise<void> {
  const target = await loadTarget(args, env);
  const { store, description } = await openTarget(target, args);
  let generation: string;
  try {
    if (!store.bumpGeneration)
      throw new UsageError(`The ${store.kind} store from the config module cannot bump its generation.`);
    generation = await store.bumpGeneration();
  } finally {
    await store.close().catch(() => {});
  }
  out.log(
    `New database generation ${generation} for ${description}: every client downloads its data again at its next pull (pending writes are kept).`,
  );
}
