import { META, type SyncContext } from './sync/context.ts';

/**
 * Opens the store and brings the engine's bookkeeping up to date, in ONE write tx:
 * creates the clientId on first open, and requests a reset (cursor null, `reset:<name>` =
 * 'requested') for every collection whose columns changed since the engine last saw it.
 * The rows are marked by the first pull page of the reset, in that page's tx; pending ops are kept.
 *
 * The engine keeps its own `fingerprint:<name>` meta rather than trusting only `open()`'s
 * report, because the store records the new fingerprint before this tx: a crash in between
 * must not lose the reset.
 */
export async function openEngine(ctx: SyncContext): Promise<void> {
  const opened = await ctx.store.open(ctx.schema);
  const changedByStore = new Set(opened.changed);
  const touched: string[] = [];
  await ctx.store.write(async (tx) => {
    let dirty = false;
    if ((await tx.getMeta<string>(META.clientId)) === undefined) {
      await tx.setMeta(META.clientId, ctx.ids());
      await tx.setMeta(META.lastSeq, 0);
      dirty = true;
    }
    for (const c of Object.values(ctx.schema.collections)) {
      const known = await tx.getMeta<string>(META.fingerprint(c.name));
      if (known === c.fingerprint && !changedByStore.has(c.name)) continue;
      dirty = true;
      const hadData = known !== undefined || changedByStore.has(c.name);
      if (hadData) {
        await tx.setMeta(META.cursor(c.name), null);
        await tx.setMeta(META.reset(c.name), 'requested');
        touched.push(c.name);
      }
      await tx.setMeta(META.fingerprint(c.name), c.fingerprint);
    }
    if (dirty) await ctx.failpoint('open:reset:before-commit');
  });
  if (touched.length) ctx.changed(touched);
}
