import type { Limits, Mutation } from '@syncline/core';
import { type LocalOp, squash } from '@syncline/core/internal';
import { settleRecord } from '../local/record.ts';
import type { LocalWriteTx, OutboxEntry } from '../local-store.ts';
import { META, type SyncContext } from './context.ts';

/** A batch ready to send: entries with `seq` assigned under `clientId`, in seq order. */
export interface Batch {
  clientId: string;
  entries: OutboxEntry[];
}

/** Slack for the request envelope when estimating the body size. */
const ENVELOPE_BYTES = 512;
const encoder = new TextEncoder();

/** The wire form of an entry. Throws if an update/delete still has a null baseVersion (never sent). */
export function toMutation(e: OutboxEntry): Mutation {
  if (e.seq === null) throw new Error('entry has no seq');
  const head = { seq: e.seq, collection: e.collection, id: e.id };
  switch (e.op.op) {
    case 'insert':
      return { ...head, op: 'insert', data: e.op.data };
    case 'update':
      if (e.op.baseVersion === null) throw new Error('update without baseVersion must not be sent');
      return { ...head, op: 'update', patch: e.op.patch, baseVersion: e.op.baseVersion };
    case 'delete':
      if (e.op.baseVersion === null) throw new Error('delete without baseVersion must not be sent');
      return { ...head, op: 'delete', baseVersion: e.op.baseVersion };
  }
}

/**
 * Step 1 of a push, in ONE local write tx (ARCHITECTURE.md §4.2, decision 0004):
 * - sent-but-unanswered entries exist → exactly those, unchanged (same seq, same clientId);
 * - otherwise the unsent entries, per record in key order, squashed into one entry per record
 *   (replacing the originals), given consecutive seqs from `lastSeq + 1`, within the limits.
 * Returns null when nothing can be sent (empty, or every record waits for an acknowledgement).
 *
 * Invariant: seqs are stored before the request goes out, so a re-send after a crash reuses them.
 */
export async function assignBatch(ctx: SyncContext, limits: Limits): Promise<Batch | null> {
  const maxCount = Math.max(
    1,
    Math.min(ctx.session.batchSize ?? Number.POSITIVE_INFINITY, limits.maxMutationsPerPush),
  );
  const maxBytes = Math.max(1, limits.maxBodyBytes - ENVELOPE_BYTES);
  const touched = new Set<string>();
  const batch = await ctx.store.write(async (tx) => {
    const clientId = await tx.getMeta<string>(META.clientId);
    if (clientId === undefined) throw new Error('client is not open: no clientId');
    const all = await tx.outbox();
    const sent = all.filter((e) => e.seq !== null).sort((a, b) => a.seq! - b.seq!);
    let entries: OutboxEntry[];
    if (sent.length > 0) {
      // A prefix of the sent entries keeps seqs consecutive when a 413 made batches smaller.
      entries = sent.slice(0, maxCount).map((e) => ({ ...e, clientId: e.clientId ?? clientId }));
    } else {
      entries = await squashAndAssign(tx, all, clientId, maxCount, maxBytes, touched);
    }
    await ctx.failpoint('push:assign:before-commit');
    return { clientId, entries };
  });
  if (touched.size) ctx.changed(touched);
  return batch.entries.length ? batch : null;
}

async function squashAndAssign(
  tx: LocalWriteTx,
  unsent: OutboxEntry[],
  clientId: string,
  maxCount: number,
  maxBytes: number,
  touched: Set<string>,
): Promise<OutboxEntry[]> {
  const groups = new Map<string, OutboxEntry[]>();
  for (const e of unsent) {
    const k = JSON.stringify([e.collection, e.id]);
    const g = groups.get(k);
    if (g) g.push(e);
    else groups.set(k, [e]);
  }
  let seq = (await tx.getMeta<number>(META.lastSeq)) ?? 0;
  let bytes = 0;
  const out: OutboxEntry[] = [];
  for (const group of groups.values()) {
    if (out.length >= maxCount) break;
    const first = group[0]!;
    const rec = await tx.getRecord(first.collection, first.id);
    let op: LocalOp | null = squash(group.map((e) => e.op));
    if (op === null) {
      // insert … delete: the server never needs to hear of it; no seq is consumed.
      await tx.removeOutbox(group.map((e) => e.key));
      await settleRecord(tx, first.collection, first.id, rec?.base ?? null);
      touched.add(first.collection);
      continue;
    }
    if (op.op !== 'insert' && op.baseVersion === null) {
      // Built on an insert acknowledged as `duplicate` (no version learnt): wait for a pulled base.
      const base = rec?.base;
      if (!base) continue;
      op = { ...op, baseVersion: base.version };
    }
    const entry: OutboxEntry = { ...first, op, seq: seq + 1, clientId };
    const size = encoder.encode(JSON.stringify(toMutation(entry))).length + 1;
    if (out.length > 0 && bytes + size > maxBytes) break;
    seq++;
    bytes += size;
    await tx.updateOutbox(entry);
    if (group.length > 1) {
      await tx.removeOutbox(group.slice(1).map((e) => e.key));
      if (rec) await tx.putRecord(first.collection, { ...rec, pending: 1 });
    }
    out.push(entry);
  }
  await tx.setMeta(META.lastSeq, seq);
  return out;
}
