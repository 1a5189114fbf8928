/**
 * The optimistic pass of a push with deferred writes: each mutation runs until it asks to insert
 * its record (or to update it, when the store has `updateRecords`), then the next one starts; the
 * parked writes go to the database as one statement per collection (and, for updates, column set)
 * when the batch ends or when anything could observe them (raw SQL, any other write, a read of a
 * parked id). So reads and checks see exactly the state the sequential pass would see.
 *
 * Only used when every collection's scope keys are fixed for the request (no `access` function):
 * with fixed keys, an applied write cannot change what later mutations may access. Any rejection
 * or error answers `null`; the caller then rolls the pass back and runs the per-mutation path.
 */
import type { Mutation, MutationResult, WireRecord } from '@syncline/core';
import { getCollection } from '@syncline/core/internal';
import type { AuthContext } from '../../api.ts';
import type { WriteTx } from '../../stores/types.ts';
import type { HandlerContext } from '../context.ts';
import type { Keys } from '../rules.ts';
import { rulesFor } from '../rules.ts';
import { applyMutation } from './apply.ts';
import type { Known } from './known.ts';
import { txView } from './view.ts';

export type InsertRecords = NonNullable<WriteTx['insertRecords']>;
export type UpdateRecords = NonNullable<WriteTx['updateRecords']>;

/** A write waiting for the flush: an insert (data) or, where the store batches them, an update (patch). */
interface Parked {
  op: 'insert' | 'update';
  name: string;
  id: string;
  data: Record<string, unknown>;
  resolve: (record: WireRecord) => void;
  reject: (err: unknown) => void;
}

type Outcome = { ok: true; result: MutationResult } | { ok: false };

/** Whether the pipelined pass keeps the sequential semantics for this batch (see above). */
export function canPipeline(ctx: HandlerContext, fresh: readonly Mutation[]): boolean {
  return fresh.every((m) => {
    const col = getCollection(ctx.schema, m.collection);
    const rule = col ? rulesFor(ctx.rules, ctx.dev, col.name) : null;
    return rule !== null && (rule.scope === 'public' || rule.access === undefined);
  });
}

/**
 * Runs the batch over `tx` (already answering reads from `known`) with inserts deferred; `known`
 * forgets every id inserted. Results in mutation order, or null when anything failed.
 */
export async function applyPipelined(
  ctx: HandlerContext,
  tx: WriteTx,
  known: Known,
  writes: { insertRecords: InsertRecords; updateRecords?: UpdateRecords | undefined },
  auth: AuthContext,
  fresh: readonly Mutation[],
): Promise<MutationResult[] | null> {
  const { insertRecords, updateRecords } = writes;
  let parked: Parked[] = [];
  const parkedIds = new Set<string>();
  let onPark: (() => void) | undefined;

  const flush = async () => {
    const batch = parked;
    parked = [];
    parkedIds.clear();
    // Parked writes touch distinct ids (a read of a parked id flushes first), so they commute.
    const groups = new Map<string, Parked[]>();
    for (const p of batch) {
      const key = `${p.op}\u0000${p.name}`;
      const group = groups.get(key);
      if (group) group.push(p);
      else groups.set(key, [p]);
    }
    let failure: { err: unknown } | undefined;
    for (const group of groups.values()) {
      if (!failure) {
        try {
          const { op, name } = group[0]!;
          const got =
            op === 'insert'
              ? await insertRecords(
                  name,
                  group.map((p) => ({ id: p.id, data: p.data })),
                )
              : await updateRecords!(
                  name,
                  group.map((p) => ({ id: p.id, patch: p.data })),
                );
          for (const p of group) p.resolve(got.get(p.id)!);
          continue;
        } catch (err) {
          failure = { err };
        }
      }
      for (const p of group) p.reject(failure.err);
    }
    if (failure) throw failure.err;
  };
  const park = (op: Parked['op'], name: string, id: string, data: Record<string, unknown>) =>
    new Promise<WireRecord>((resolve, reject) => {
      known.get(name)?.delete(id);
      parked.push({ op, name, id, data, resolve, reject });
      parkedIds.add(`${name}\u0000${id}`);
      onPark?.();
    });
  // Anything but a read of an unparked id or another parked write could observe the parked rows.
  const view = txView(
    tx,
    {
      getRecord: async (name, id) => {
        if (parkedIds.has(`${name}\u0000${id}`)) await flush();
        return tx.getRecord(name, id);
      },
      insertRecord: (name, id, data) => park('insert', name, id, data),
      ...(updateRecords
        ? {
            updateRecord: (name: string, id: string, patch: Record<string, unknown>) =>
              park('update', name, id, patch),
          }
        : {}),
    },
    flush,
  );

  // Keys are fixed for this batch (canPipeline), so one cache serves every mutation.
  const keyCache = new Map<string, Promise<Keys>>();
  const runs: Array<Promise<Outcome>> = [];
  let failed = false;
  for (const m of fresh) {
    const parks = new Promise<'parked'>((resolve) => {
      onPark = () => resolve('parked');
    });
    const run = applyMutation(ctx, view, auth, m, keyCache).then(
      (result): Outcome => ({ ok: true, result }),
      (): Outcome => ({ ok: false }),
    );
    runs.push(run);
    const first = await Promise.race([run, parks]);
    onPark = undefined;
    if (first !== 'parked' && !first.ok) {
      failed = true;
      break;
    }
  }
  if (failed) {
    // Nothing parked reaches the database: the caller rolls the pass back anyway.
    const abandoned = parked;
    parked = [];
    for (const p of abandoned) p.reject(new Error('The optimistic pass was abandoned.'));
  } else {
    try {
      await flush();
    } catch {
      failed = true;
    }
  }
  const outcomes = await Promise.all(runs);
  if (failed || outcomes.some((o) => !o.ok)) return null;
  return outcomes.map((o) => (o as { ok: true; result: MutationResult }).result);
}
