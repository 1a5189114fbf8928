/**
 * The end-of-run oracles (ARCHITECTURE.md §1), checked after healing. Server truth is read with plain SQL
 * from the server's tables, not through the pull path under test; the applied log and outcome
 * records come from the recording store wrapper (committed effects only).
 */
import type { ClientRejection } from '@syncline/client';
import type { Slot } from './clients.ts';
import type { LocalWrite, Model } from './model.ts';
import type { ServerLog } from './recorder.ts';
import { COLLECTIONS, type Grants, readable } from './schema.ts';

export interface Verdict {
  lost: string[];
  duplicated: string[];
  diverged: string[];
  /** Loopback only: devices with an open socket that a poke did not bring a change to (pokes.ts). */
  unpoked?: string[];
}

export interface ServerRow {
  id: string;
  ownerId: string;
  a: string;
  b: string;
  tok: string;
  version: number;
  deleted: boolean;
}

export type ServerTruth = Map<string, ServerRow>; // key `${collection}/${id}`

const key = (collection: string, id: string) => `${collection}/${id}`;

export async function check(
  model: Model,
  slots: readonly Slot[],
  log: ServerLog,
  truth: ServerTruth,
  grants: Grants,
): Promise<Verdict> {
  const v: Verdict = { lost: [], duplicated: [], diverged: [...model.ryw] };
  const rejections = new Map<string, ClientRejection[]>();
  for (const s of slots) rejections.set(s.name, await s.client.rejections());

  // Exactly once within each stretch of history, a restore's lost part together with what came
  // before its backup: a write applied, lost and applied again after the restore is not a
  // duplicate; twice in one stretch is.
  for (const [i, seg] of (log.lostSegments ?? []).entries()) {
    const toks = new Map<string, number>();
    for (const a of [...log.applied.slice(0, seg.before.applied), ...seg.applied])
      if (a.tok) toks.set(a.tok, (toks.get(a.tok) ?? 0) + 1);
    for (const [tok, n] of toks)
      if (n > 1) v.duplicated.push(`write ${tok} applied ${n} times before restore ${i + 1}`);
    const seqs = new Map<string, number>();
    for (const o of [...log.outcomes.slice(0, seg.before.outcomes), ...seg.outcomes])
      seqs.set(`${o.clientId}:${o.seq}`, (seqs.get(`${o.clientId}:${o.seq}`) ?? 0) + 1);
    for (const [k, n] of seqs)
      if (n > 1) v.duplicated.push(`mutation ${k} processed ${n} times before restore ${i + 1}`);
  }
  // Exactly once: no token applied twice, no (clientId, seq) processed twice.
  const applied = new Map<string, { fields: string[]; count: number }>();
  for (const a of log.applied) {
    if (!a.tok) continue;
    const seen = applied.get(a.tok);
    if (seen) seen.count++;
    else applied.set(a.tok, { fields: a.fields, count: 1 });
  }
  for (const [tok, a] of applied) if (a.count > 1) v.duplicated.push(`write ${tok} applied ${a.count} times`);
  const outcomeCount = new Map<string, number>();
  for (const o of log.outcomes)
    outcomeCount.set(`${o.clientId}:${o.seq}`, (outcomeCount.get(`${o.clientId}:${o.seq}`) ?? 0) + 1);
  for (const [k, n] of outcomeCount) if (n > 1) v.duplicated.push(`mutation ${k} processed ${n} times`);

  // Rejections: every server rejection stored once by its client and announced; nothing invented.
  const serverRejected = new Set(
    log.outcomes.filter((o) => o.status === 'rejected').map((o) => `${o.clientId}:${o.seq}`),
  );
  // A rejection the server made and then lost to a restore was still made: its client may keep it.
  const lostRejected = new Set(
    (log.lostByRestore?.outcomes ?? [])
      .filter((o) => o.status === 'rejected')
      .map((o) => `${o.clientId}:${o.seq}`),
  );
  // Writes the server applied and then lost to a restore (the operator's loss, not the engine's).
  const lostToks = new Set((log.lostByRestore?.applied ?? []).map((a) => a.tok).filter((t) => t !== null));
  const lostDeletes = new Set(
    (log.lostByRestore?.applied ?? []).filter((a) => a.op === 'delete').map((a) => key(a.collection, a.id)),
  );
  const stored = new Set<string>();
  for (const s of slots) {
    for (const r of rejections.get(s.name) ?? []) {
      stored.add(r.key);
      // Edits dropped because access was revoked are the client's own rejection (decision 0012).
      if (!r.key.startsWith('revoked:') && !serverRejected.has(r.key) && !lostRejected.has(r.key))
        v.diverged.push(`${s.name} stores rejection ${r.key} the server never made`);
      const n = s.events.get(r.key) ?? 0;
      if (n === 0) v.lost.push(`${s.name}: rejection ${r.key} never reported`);
      if (n > 1 && !s.reemitAllowed.has(r.key))
        v.duplicated.push(`${s.name}: rejection ${r.key} reported ${n} times`);
    }
  }
  // A mutation the server answered before a restore and, having forgotten it, answered again
  // after (a request held in the network since before the restore): the client acted on the
  // first answer; the second has nowhere to go.
  const answeredBeforeRestore = new Set(
    (log.lostByRestore?.outcomes ?? []).map((o) => `${o.clientId}:${o.seq}`),
  );
  for (const k of serverRejected)
    if (!stored.has(k) && !answeredBeforeRestore.has(k))
      v.lost.push(`rejection ${k} never reached its client`);

  // No acknowledged write lost.
  const droppedToks = new Set<string>();
  const droppedDeletes = new Set<string>();
  for (const [slot, list] of rejections) {
    for (const r of list) {
      for (const op of r.dropped) {
        if (op.op === 'delete') droppedDeletes.add(`${slot}/${key(r.collection, r.id)}`);
        const tok = op.op === 'insert' ? op.data.tok : op.op === 'update' ? op.patch.tok : undefined;
        if (typeof tok === 'string') droppedToks.add(tok);
      }
    }
  }
  const bySlotRecord = new Map<string, LocalWrite[]>();
  for (const w of model.writes) {
    const k = `${w.slot}/${key(w.collection, w.id)}`;
    bySlotRecord.set(k, [...(bySlotRecord.get(k) ?? []), w]);
  }
  const decided = (x: LocalWrite) =>
    x.tok !== null && (applied.has(x.tok) || droppedToks.has(x.tok) || lostToks.has(x.tok));
  const deleteOk = (d: LocalWrite) => {
    const row = truth.get(key(d.collection, d.id));
    if (!row || row.deleted || droppedDeletes.has(`${d.slot}/${key(d.collection, d.id)}`)) return true;
    // Applied, then undone by a restore: it took effect, and the writes it superseded with it.
    if (lostDeletes.has(key(d.collection, d.id))) return true;
    // insert…delete of a record the server never saw squashes to nothing (another client's
    // record of the same id may exist on the server meanwhile).
    const before = (bySlotRecord.get(`${d.slot}/${key(d.collection, d.id)}`) ?? []).filter((x) => x.n < d.n);
    const lastInsert = before.filter((x) => x.op === 'insert' && x.committed).pop();
    return lastInsert !== undefined && !before.some((x) => x.n >= lastInsert.n && decided(x));
  };
  for (const w of model.writes) {
    if (!w.acked) continue;
    const later = (bySlotRecord.get(`${w.slot}/${key(w.collection, w.id)}`) ?? []).filter((x) => x.n >= w.n);
    // A later delete of the record by the same client that took effect supersedes the write.
    if (later.some((x) => x.op === 'delete' && x.committed && deleteOk(x))) continue;
    if (w.op === 'delete') {
      if (lostDeletes.has(key(w.collection, w.id))) continue; // applied, then undone by the restore
      v.lost.push(`${w.slot}: delete of ${key(w.collection, w.id)} (write ${w.n}) lost`);
      continue;
    }
    // The carrier: the first write from here on whose token the server applied or rejected
    // (squashing folds a run of writes into the mutation that carries the last token).
    const carrier = later.find(decided);
    if (!carrier?.tok) {
      v.lost.push(`${w.slot}: ${w.op} ${w.tok} of ${key(w.collection, w.id)} never applied nor rejected`);
      continue;
    }
    const a = applied.get(carrier.tok);
    if (!a && lostToks.has(carrier.tok)) continue; // applied, then undone by the restore
    const missing = a ? Object.keys(w.values).filter((f) => !a.fields.includes(f)) : [];
    if (missing.length > 0)
      v.lost.push(`${w.slot}: fields ${missing.join(',')} of ${w.tok} not carried by applied ${carrier.tok}`);
  }

  // Converge: outboxes empty, every client equal to the server within its scope.
  for (const s of slots) {
    if (s.client.status.pending !== 0)
      v.diverged.push(`${s.name}: outbox not empty (${s.client.status.pending})`);
    for (const c of COLLECTIONS) {
      const local = (await s.client.db[c].find()).map((r) =>
        JSON.stringify([r.id, r.version, r.ownerId, r.a, r.b, r.tok]),
      );
      const server = [...truth.entries()]
        .filter(([k, r]) => k.startsWith(`${c}/`) && !r.deleted && readable(grants, s.user, c, r.ownerId))
        .map(([, r]) => JSON.stringify([r.id, r.version, r.ownerId, r.a, r.b, r.tok]));
      local.sort();
      server.sort();
      const miss = server.filter((x) => !local.includes(x));
      const extra = local.filter((x) => !server.includes(x));
      if (miss.length || extra.length)
        v.diverged.push(`${s.name}/${c}: server-only ${miss.join(' ')} | client-only ${extra.join(' ')}`);
    }
  }
  return v;
}
