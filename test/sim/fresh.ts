/**
 * Promise 4 checked mid-run: right after a sync or pull that completed, every record of the
 * client's scope without pending writes equals the server's committed state, because the pull
 * ran to `hasMore: false` after everything before it had committed. Only where commit order is
 * the whole truth (SQLite, a single writer): PostgreSQL may legitimately hold delivery back
 * behind another session's open transaction (the xid watermark), so there only the end-of-run
 * convergence applies.
 */
import type { Slot } from './clients.ts';
import type { Model } from './model.ts';
import type { ServerTruth } from './oracles.ts';
import { COLLECTIONS } from './schema.ts';

export async function checkFresh(slot: Slot, model: Model, truth: ServerTruth, step: number): Promise<void> {
  for (const c of COLLECTIONS) {
    const local = new Map((await slot.client.db[c].find()).map((r) => [r.id, r]));
    const ids = new Set(local.keys());
    for (const [k, r] of truth) if (k.startsWith(`${c}/`) && r.ownerId === slot.user) ids.add(r.id);
    for (const id of ids) {
      if (await slot.client.isPending(id, c)) continue;
      const s = truth.get(`${c}/${id}`);
      const want = s && !s.deleted && s.ownerId === slot.user ? [s.version, s.a, s.b, s.tok] : null;
      const l = local.get(id);
      const got = l ? [l.version, l.a, l.b, l.tok] : null;
      if (JSON.stringify(want) !== JSON.stringify(got))
        model.ryw.push(
          `step ${step}: ${slot.name} after sync has ${c}/${id} = ${JSON.stringify(got)}, server ${JSON.stringify(want)}`,
        );
    }
  }
}
