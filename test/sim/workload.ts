/**
 * The random workload: inserts, updates and deletes on a few hot records per user and
 * collection (so clients collide constantly), now and then a fresh record or a write into
 * another user's scope (answered `forbidden`). Read-your-writes is checked right after each
 * acknowledged write, and pending writes must stay visible after every sync (ARCHITECTURE.md §1.6).
 * Every third write is made with `insertMany` / `updateMany` / `deleteMany` instead.
 */
import type { Slot } from './clients.ts';
import { type LocalWrite, type Model, showsWrite } from './model.ts';
import { COLLECTIONS, type Grants, readable, type SimCollection, SPACES } from './schema.ts';

const HOT = 3;

export interface WriteCtx {
  slot: Slot;
  users: readonly string[];
  model: Model;
  rng: () => number;
  pick: <T>(xs: readonly T[]) => T;
  log: (line: string) => void;
}

export async function localWrite(x: WriteCtx): Promise<void> {
  const { slot, rng, pick } = x;
  const collection: SimCollection = pick(COLLECTIONS);
  const other = x.users.find((u) => u !== slot.user);
  let owner = other && rng() < 0.04 ? other : slot.user;
  // A shared space, granted to this user or not (then the write is refused as forbidden).
  if (collection === 'stale' && rng() < 0.3) owner = pick(SPACES);
  const id = rng() < 0.1 ? `${slot.name}-f${slot.writes}` : `${owner}-${Math.floor(rng() * HOT)}`;
  const col = slot.client.db[collection];
  const n = slot.writes++;
  const tok = `${slot.name}.${n}`;
  const current = await col.get(id);
  let w: LocalWrite;
  if (current === null) {
    w = {
      slot: slot.name,
      n,
      collection,
      id,
      op: 'insert',
      tok,
      values: { ownerId: owner, a: `${tok}a`, b: `${tok}b` },
      acked: false,
      committed: false,
    };
  } else if (rng() < 0.12) {
    w = {
      slot: slot.name,
      n,
      collection,
      id,
      op: 'delete',
      tok: null,
      values: {},
      acked: false,
      committed: false,
    };
  } else {
    const r = rng();
    const values: Record<string, string> = {};
    if (r < 0.7) values.a = `${tok}a`;
    if (r >= 0.35) values.b = `${tok}b`;
    w = { slot: slot.name, n, collection, id, op: 'update', tok, values, acked: false, committed: false };
  }
  x.model.writes.push(w);
  x.log(`${slot.name} ${w.op} ${collection}/${id} ${tok}`);
  // Every third write of a slot goes through the batch API (a batch of one: same effects).
  const batch = n % 3 === 2;
  try {
    if (w.op === 'insert') {
      const data = { id, ...(w.values as { ownerId: string; a: string; b: string }), tok };
      await (batch ? col.insertMany([data]) : col.insert(data));
    } else if (w.op === 'update') {
      const patch = { ...w.values, tok };
      await (batch ? col.updateMany([{ id, patch }]) : col.update(id, patch));
    } else await (batch ? col.deleteMany([id]) : col.delete(id));
  } catch (e) {
    // Refused locally (e.g. a pending delete of the id) or crashed: not acknowledged.
    x.log(`${slot.name} write failed: ${(e as Error).message.slice(0, 60)}`);
    if (slot.crashedAt === 'write:after-commit') w.committed = true;
    return;
  }
  w.acked = true;
  w.committed = true;
  const row = await col.get(id);
  if (!showsWrite(row as Record<string, unknown> | null, w))
    x.model.ryw.push(
      `${slot.name}: right after ${w.op} ${tok ?? ''} of ${collection}/${id} the local read shows ${JSON.stringify(row)}`,
    );
}

/**
 * Promise 6 (ARCHITECTURE.md §1.6): a record with pending writes shows the newest one, whatever
 * the pull brought.
 * Exceptions: an update over a record deleted on the server (or that a restore lost) stays
 * invisible until its `not_found` rejection arrives (decision 0004); a record of a space the user
 * lost is removed (decision 0012).
 */
export async function checkPending(
  slot: Slot,
  model: Model,
  deletedOnServer: (collection: string, id: string) => Promise<boolean>,
  grants: Grants,
): Promise<void> {
  const newest = new Map<string, LocalWrite>();
  for (const w of model.writes) if (w.slot === slot.name) newest.set(`${w.collection}/${w.id}`, w);
  for (const w of newest.values()) {
    if (!w.acked) continue;
    if (!(await slot.client.isPending(w.id, w.collection))) continue;
    const row = await slot.client.db[w.collection].get(w.id);
    // A record of a space this user no longer holds leaves the device, pending or not (issue 9).
    const insert = model.writes
      .filter((x) => x.op === 'insert' && x.collection === w.collection && x.id === w.id)
      .pop();
    const owner = insert?.values.ownerId ?? w.id.slice(0, w.id.lastIndexOf('-'));
    if (row === null && !readable(grants, slot.user, w.collection, owner)) continue;
    if (row === null && w.op === 'update' && (await deletedOnServer(w.collection, w.id))) continue;
    if (!showsWrite(row as Record<string, unknown> | null, w))
      model.ryw.push(
        `${slot.name}: pending ${w.op} ${w.tok ?? ''} of ${w.collection}/${w.id} not visible: ${JSON.stringify(row)}`,
      );
  }
}
