import type { MutationResult, WireRecord } from '@syncline/core';
import { isNewer, settleRecord } from '../local/record.ts';
import type { LocalRecord, LocalWriteTx, OutboxEntry, StoredRejection } from '../local-store.ts';
import { META, type SyncContext } from './context.ts';
import { rejectionMessage } from './rejections.ts';
import { addChecks, type Checks } from './revoke.ts';

/**
 * Step 3 of a push: applies the server's answer in ONE local write tx (ARCHITECTURE.md §1.2: an entry leaves
 * the outbox only in the tx that commits its outcome). Per result:
 * - applied → base = record if newer; entry removed; later entries of the record now build on
 *   `record.version`; visible row recomputed;
 * - duplicate → acknowledged: entry removed, the next pull brings the state;
 * - rejected → every outbox entry of the record dropped, base = `current` (null for not_found and
 *   for a forbidden without current: the caller may not read the record),
 *   visible = base, one StoredRejection kept (ARCHITECTURE.md §1.7).
 * Results whose seq is not in the batch are ignored; batch entries without a result stay sent
 * and are re-sent unchanged.
 */
export async function applyPushResults(
  ctx: SyncContext,
  batch: { clientId: string; entries: OutboxEntry[] },
  results: MutationResult[],
): Promise<number> {
  const bySeq = new Map(batch.entries.map((e) => [e.seq!, e]));
  const touched = new Set<string>();
  let answered = 0;
  await ctx.store.write(async (tx) => {
    const checks: Checks = new Map();
    for (const result of results) {
      const entry = bySeq.get(result.seq);
      if (!entry) continue;
      bySeq.delete(result.seq);
      answered++;
      // Another pusher on the same store (a tab that just lost leadership, a service worker) may
      // have applied this answer already; a stale answer must not touch what came after it.
      const still = await tx.outbox({ collection: entry.collection, id: entry.id });
      if (!still.some((e) => e.key === entry.key && e.seq === entry.seq && e.clientId === entry.clientId))
        continue;
      touched.add(entry.collection);
      const rec = await tx.getRecord(entry.collection, entry.id);
      if (result.status === 'applied') await acknowledge(tx, entry, rec, result.record, checks);
      else if (result.status === 'duplicate') {
        await tx.removeOutbox([entry.key]);
        await settleRecord(tx, entry.collection, entry.id, rec?.base ?? null);
      } else {
        await reject(ctx, tx, batch.clientId, entry, rec, result, checks);
      }
    }
    // One write of the checks per answer: a batch of 500 does not rewrite the set 500 times.
    for (const [collection, ids] of checks) {
      await addChecks(tx, collection, ids);
      // The next pull of the collection reads the rows to check from the store (decision 0034).
      ctx.session.pulled?.cursors.delete(collection);
    }
    await ctx.failpoint('push:apply:before-commit');
  });
  ctx.changed(touched);
  return answered;
}

async function acknowledge(
  tx: LocalWriteTx,
  entry: OutboxEntry,
  rec: LocalRecord | null,
  record: WireRecord,
  checks: Checks,
): Promise<void> {
  await tx.removeOutbox([entry.key]);
  // A record got outside the pull stream: the next pull checks that the caller still reads it
  // (its key may have come and gone between two pulls, unseen by the cursor).
  note(checks, entry.collection, entry.id, rec === null ? 0 : record.version);
  // The record left this device while the answer was outstanding (its access was revoked,
  // revoke.ts, which keeps an invisible record without a base for the entries already sent):
  // nothing comes back now; the check brings it if it is readable again.
  if (rec === null || (rec.base === null && entry.op.op !== 'insert')) {
    if (rec !== null) await settleRecord(tx, entry.collection, entry.id, null);
    return;
  }
  const base = !isNewer(record, rec.base) ? rec.base : record;
  // Later local ops were made on top of this mutation, so they now build on its version.
  for (const later of await tx.outbox({ collection: entry.collection, id: entry.id })) {
    if (later.op.op === 'insert') continue;
    await tx.updateOutbox({ ...later, op: { ...later.op, baseVersion: record.version } });
  }
  // The server has just confirmed the record exists: a reset in progress must not sweep it.
  await settleRecord(tx, entry.collection, entry.id, base, { marked: false });
}

type Rejected = Extract<MutationResult, { status: 'rejected' }>;

async function reject(
  ctx: SyncContext,
  tx: LocalWriteTx,
  clientId: string,
  entry: OutboxEntry,
  rec: LocalRecord | null,
  result: Rejected,
  checks: Checks,
): Promise<void> {
  const dropped = await tx.outbox({ collection: entry.collection, id: entry.id });
  await tx.removeOutbox(dropped.map((e) => e.key));
  const had = rec?.base ?? null;
  let base: WireRecord | null = had;
  if (result.current) base = isNewer(result.current, base) ? result.current : base;
  // The server sends `current` whenever the caller may read the record: a `forbidden` without it
  // means the record is not (or no longer) the caller's to see, so the local copy goes too.
  else if (result.code === 'not_found' || result.code === 'forbidden') base = null;
  await settleRecord(tx, entry.collection, entry.id, base);
  // `current` came outside the pull stream, and a record removed by a refusal may be readable
  // again by the next pull: both are checked then.
  if (result.current) note(checks, entry.collection, entry.id, base?.version ?? 0);
  else if (result.code === 'forbidden' && had !== null) note(checks, entry.collection, entry.id, 0);
  const current = base && base.deletedAt === null ? base : null;
  const issues = result.issues ?? [];
  const rejection: StoredRejection = {
    key: `${clientId}:${result.seq}`,
    collection: entry.collection,
    id: entry.id,
    code: result.code,
    // A record this device had from the server and may no longer read: access was removed.
    message: rejectionMessage(
      result.code,
      entry.collection,
      current !== null,
      issues,
      result.code === 'forbidden' && !result.current && had !== null ? 'access_removed' : undefined,
    ),
    current,
    dropped: dropped.map((e) => e.op),
    issues,
    createdAt: ctx.clock.now(),
    notified: false,
  };
  await tx.putRejection(rejection);
  await ctx.failpoint('push:reject:before-commit');
}

/**
 * After 409 seq_gap (or a clientId owned by another user): start a new clientId, in one tx.
 * Sent entries lose their seq and are squashed and re-sent under the new id from seq 1.
 * `resetAll` (seq_gap): the server has forgotten seqs it acknowledged, so it lost history (a
 * restore from a backup); records acknowledged then may be gone from it, and only a reset of
 * every collection (the server's state replaces the local one) brings the client back in step,
 * even when no pull cursor can show the loss (decision 0011).
 */
export async function rekeyClient(ctx: SyncContext, opts: { resetAll?: boolean } = {}): Promise<void> {
  ctx.session.pulled = undefined;
  await ctx.store.write(async (tx) => {
    await tx.setMeta(META.clientId, ctx.ids());
    await tx.setMeta(META.lastSeq, 0);
    if (opts.resetAll) {
      for (const name of Object.keys(ctx.schema.collections)) {
        // A reset already marked and under way keeps going; anything else starts one.
        if ((await tx.getMeta<true | 'requested'>(META.reset(name))) === true) continue;
        await tx.setMeta(META.cursor(name), null);
        await tx.setMeta(META.reset(name), 'requested');
      }
    }
    for (const e of await tx.outbox()) {
      if (e.seq !== null || e.clientId !== null) await tx.updateOutbox({ ...e, seq: null, clientId: null });
    }
    await ctx.failpoint('push:seq-gap:before-commit');
  });
  await ctx.failpoint('push:after-seq-gap');
}

function note(checks: Checks, collection: string, id: string, version: number): void {
  const ids = checks.get(collection) ?? {};
  ids[id] = version;
  checks.set(collection, ids);
}
