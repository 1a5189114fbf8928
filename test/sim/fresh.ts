/**
 * Promise 4 (ARCHITECTURE.md §1.4) checked mid-run: right after a sync or pull that completed,
 * every record of the
 * client's scope without pending writes equals the server's committed state, because the pull
 * ran to `hasMore: false` after everything before it had committed. Only where commit order is
 * the whole truth (SQLite, a single writer): PostgreSQL may legitimately hold delivery back
 * behind another session's open transaction (the xid watermark), so there only the end-of-run
 * convergence applies.
 */
import type { Slot } from './clients.ts';
import type { Model } from './model.ts';
import type { ServerTruth } from './oracles.ts';
import { COLLECTIONS, type Grants, readable } from './schema.ts';

export async function checkFresh(
  slot: Slot,
  model: Model,
  truth: ServerTruth,
  step: number,
  grants: Grants,
): Promise<void> {
  for (const c of COLLECTIONS) {
    const local = new Map((await slot.client.db[c].find()).map((r) => [r.id, r]));
    const ids = new Set(local.keys());
    const mine = (ownerId: string) => readable(grants, slot.user, c, ownerId);
    for (const [k, r] of truth) if (k.startsWith(`${c}/`) && mine(r.ownerId)) ids.add(r.id);
    for (const id of ids) {
      if (await slot.client.isPending(id, c)) continue;
      const s = truth.get(`${c}/${id}`);
      const want = s && !s.deleted && mine(s.ownerId) ? [s.version, s.a, s.b, s.tok] : null;
      const l = local.get(id);
      const got = l ? [l.version, l.a, l.b, l.tok] : null;
      if (JSON.stringify(want) !== JSON.stringify(got))
        model.ryw.push(
          `step ${step}: ${slot.name} after sync has ${c}/${id} = ${JSON.stringify(got)}, server ${JSON.stringify(want)}`,
        );
    }
  }
}

/**
 * Issue 9, on every store: after a sync that completed, nothing the user may not read stays on
 * the device — after a pull alone, nothing but records with unsent local writes (a write into a
 * space never held is refused only when pushed).
 */
export async function checkScope(
  slot: Slot,
  model: Model,
  grants: Grants,
  pullOnly: boolean,
  step: number,
): Promise<void> {
  for (const c of COLLECTIONS) {
    for (const row of await slot.client.db[c].find()) {
      if (readable(grants, slot.user, c, String(row.ownerId))) continue;
      if (pullOnly && (await slot.client.isPending(row.id, c))) continue;
      model.ryw.push(
        `step ${step}: ${slot.name} (${slot.user}) keeps ${c}/${row.id} of ${String(row.ownerId)} after a ${pullOnly ? 'pull' : 'sync'}`,
      );
    }
  }
}
