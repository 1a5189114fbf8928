/**
 * Applies one new mutation inside its savepoint (ARCHITECTURE.md §5.1, §5.2). Rejections are thrown as
 * {@link Rejection} so the savepoint also undoes anything a rule or resolve hook wrote.
 * Invariant: a rejection carries `current` only when the caller may read that record.
 */
import type { CollectionDef, Mutation, MutationResult, WireRecord } from '@syncline/core';
import type { Issue } from '@syncline/core/internal';
import { getCollection, safeLabel, validateId, validateInsert, validatePatch } from '@syncline/core/internal';
import type { AuthContext, CollectionRules } from '../../api.ts';
import type { StoredRecord, WriteTx } from '../../stores/types.ts';
import type { HandlerContext } from '../context.ts';
import { canRead, canWrite, canWriteByScope, type Keys, rulesFor, scopeKeys } from '../rules.ts';
import { isConflict, messages } from './conflicts.ts';

type Rejected = Extract<MutationResult, { status: 'rejected' }>;

/** A per-mutation rejection, thrown to roll back the mutation's savepoint. */
export class Rejection extends Error {
  constructor(readonly result: Rejected) {
    super(result.message);
  }
}

function reject(
  m: Mutation,
  code: Rejected['code'],
  message: string,
  extra: { current?: WireRecord; issues?: Issue[] } = {},
): never {
  throw new Rejection({ seq: m.seq, status: 'rejected', code, message, ...extra });
}

interface Step {
  ctx: HandlerContext;
  tx: WriteTx;
  auth: AuthContext;
  m: Mutation;
  col: CollectionDef;
  rule: CollectionRules;
  keys: Keys;
}

export async function applyMutation(
  ctx: HandlerContext,
  tx: WriteTx,
  auth: AuthContext,
  m: Mutation,
  keyCache: Map<string, Promise<Keys>>,
): Promise<MutationResult> {
  const col = getCollection(ctx.schema, m.collection);
  const rule = col ? rulesFor(ctx.rules, ctx.dev, col.name) : null;
  if (!col || !rule) {
    // The name is client text and the rejection is stored: it is quoted escaped (safeLabel).
    const name = safeLabel(m.collection);
    reject(m, 'invalid', messages.unknownCollection(name), {
      issues: [{ path: 'collection', message: `"${name}" is not a collection of this server.` }],
    });
  }
  const idProblem = validateId(m.id);
  if (idProblem)
    reject(m, 'invalid', messages.invalid(col.name), { issues: [{ path: 'id', message: idProblem }] });
  const bytes = withinLimit.has(m) ? null : jsonBytes(m);
  // Too deep to serialise (thousands of levels): the validation below names the field.
  if (bytes !== null && bytes > ctx.limits.maxMutationBytes) {
    reject(m, 'invalid', messages.tooLarge(col.name, ctx.limits.maxMutationBytes), {
      issues: [{ path: '', message: `is ${bytes} bytes; the limit is ${ctx.limits.maxMutationBytes}.` }],
    });
  }
  let keys = keyCache.get(col.name);
  if (!keys) {
    keys = scopeKeys(rule, auth, tx);
    keyCache.set(col.name, keys);
    // A failed lookup is not remembered: the next mutation tries again.
    keys.catch(() => keyCache.delete(col.name));
  }
  const step: Step = { ctx, tx, auth, m, col, rule, keys: await keys };
  const stored = await tx.getRecord(col.name, m.id);
  switch (m.op) {
    case 'insert':
      return insert(step, m.data, stored);
    case 'update':
      return update(step, m.patch, m.baseVersion, stored);
    case 'delete':
      return remove(step, m.baseVersion, stored);
  }
}

/** Mutations of a body too small for any of them to exceed the limit (see {@link bodyBoundsMutations}). */
const withinLimit = new WeakSet<Mutation>();

/**
 * Whether a push body of `text` shows every mutation's JSON to be at most `maxBytes` without
 * serialising each: JSON.stringify of a parsed value is never longer than its source text (it
 * drops whitespace and writes escapes no longer than the source's), except for numbers in
 * exponent notation (`1e20` → 21 digits), which the body must not hold anywhere, even in a string.
 */
export function bodyBoundsMutations(text: string, maxBytes: number): boolean {
  return text.length <= maxBytes && Buffer.byteLength(text) <= maxBytes && !/[0-9.][eE]/.test(text);
}

/** Notes that `mutations` came in a body that {@link bodyBoundsMutations} bounds. */
export function markWithinLimit(mutations: readonly Mutation[]): void {
  for (const m of mutations) withinLimit.add(m);
}

/** The mutation's size as JSON, or null when it is nested too deeply to serialise (a RangeError). */
function jsonBytes(m: Mutation): number | null {
  try {
    return Buffer.byteLength(JSON.stringify(m));
  } catch {
    return null;
  }
}

function readable(s: Step, stored: StoredRecord): boolean {
  return canRead(s.keys, stored.record);
}

/** The record's current state if the caller may read it; otherwise a `forbidden` rejection. */
function currentOrForbidden(s: Step, stored: StoredRecord): WireRecord {
  if (!readable(s, stored)) reject(s.m, 'forbidden', messages.forbidden(s.col.name));
  return stored.record;
}

/**
 * A refused write carries `current` whenever the caller may read the record (so the client rolls
 * back to it); a `forbidden` without `current` tells the client to remove its copy.
 */
function checkWrite(s: Step, old: WireRecord | null, next: WireRecord | null): Promise<void> | undefined {
  const change = { old, new: next };
  // Without a write function the scope decides at once: no promise per mutation.
  if (!s.rule.write) {
    if (!canWriteByScope(s.rule, s.keys, change)) refuseWrite(s, old);
    return undefined;
  }
  return canWrite(s.rule, s.auth, s.keys, change, s.tx).then((ok) => {
    if (!ok) refuseWrite(s, old);
  });
}

function refuseWrite(s: Step, old: WireRecord | null): never {
  const current = old !== null && canRead(s.keys, old) ? { current: old } : {};
  reject(s.m, 'forbidden', messages.forbidden(s.col.name), current);
}

function validOrReject(s: Step, result: ReturnType<typeof validatePatch>): Record<string, unknown> {
  if (!result.ok) reject(s.m, 'invalid', messages.invalid(s.col.name), { issues: result.issues });
  return result.value;
}

async function insert(
  s: Step,
  data: Record<string, unknown>,
  stored: StoredRecord | null,
): Promise<MutationResult> {
  const value = validOrReject(s, validateInsert(s.col, data));
  if (stored) {
    // Even a tombstone keeps its id: reviving it would resurrect a record other clients deleted.
    const current = currentOrForbidden(s, stored);
    reject(s.m, 'conflict', messages.insertExists(s.col.name), { current });
  }
  const checking = checkWrite(s, null, { ...value, id: s.m.id, version: 0, deletedAt: null });
  if (checking) await checking;
  const record = await s.tx.insertRecord(s.col.name, s.m.id, value);
  return { seq: s.m.seq, status: 'applied', record };
}

async function update(
  s: Step,
  rawPatch: Record<string, unknown>,
  baseVersion: number,
  stored: StoredRecord | null,
): Promise<MutationResult> {
  const patch = validOrReject(s, validatePatch(s.col, rawPatch));
  if (!stored) reject(s.m, 'not_found', messages.notFound(s.col.name));
  const current = currentOrForbidden(s, stored);
  if (current.deletedAt !== null) reject(s.m, 'not_found', messages.notFound(s.col.name), { current });
  let toApply = patch;
  if (isConflict(s.col.conflicts, stored, { op: 'update', baseVersion, patchKeys: Object.keys(patch) })) {
    const resolved = await resolveConflict(s, stored, { op: 'update', patch, baseVersion });
    if (resolved === 'reject') reject(s.m, 'conflict', messages.updateConflict(s.col.name), { current });
    if (resolved !== 'accept') toApply = resolved;
  }
  const checking = checkWrite(s, current, { ...current, ...toApply });
  if (checking) await checking;
  const record = await s.tx.updateRecord(s.col.name, s.m.id, toApply);
  return { seq: s.m.seq, status: 'applied', record };
}

async function remove(s: Step, baseVersion: number, stored: StoredRecord | null): Promise<MutationResult> {
  if (!stored) reject(s.m, 'not_found', messages.deleteMissing(s.col.name));
  const current = currentOrForbidden(s, stored);
  // Deleting a deleted record is an applied no-op: the answer is the existing tombstone.
  if (current.deletedAt !== null) return { seq: s.m.seq, status: 'applied', record: current };
  if (isConflict(s.col.conflicts, stored, { op: 'delete', baseVersion, patchKeys: [] })) {
    const resolved = await resolveConflict(s, stored, { op: 'delete', baseVersion });
    if (resolved === 'reject') reject(s.m, 'conflict', messages.deleteConflict(s.col.name), { current });
    if (resolved !== 'accept') {
      // The hook chose to keep the record in a merged state instead of deleting it.
      await checkWrite(s, current, { ...current, ...resolved });
      const record = await s.tx.updateRecord(s.col.name, s.m.id, resolved);
      return { seq: s.m.seq, status: 'applied', record };
    }
  }
  await checkWrite(s, current, null);
  const record = await s.tx.softDelete(s.col.name, s.m.id);
  return { seq: s.m.seq, status: 'applied', record };
}

/**
 * Runs the rule's `resolve` hook: 'accept' applies the incoming change, 'reject' keeps the default
 * conflict, and a merge returns the columns to write. Without a hook the conflict stands. A hook
 * rejecting with its own message ends here with that message.
 */
async function resolveConflict(
  s: Step,
  stored: StoredRecord,
  incoming:
    | { op: 'update'; patch: Record<string, unknown>; baseVersion: number }
    | { op: 'delete'; baseVersion: number },
): Promise<'accept' | 'reject' | Record<string, unknown>> {
  if (!s.rule.resolve) return 'reject';
  const decision = await s.rule.resolve(stored.record, incoming, { auth: s.auth });
  if (decision.action === 'accept') return 'accept';
  if (decision.action === 'reject') {
    reject(s.m, 'conflict', decision.message, ...(readable(s, stored) ? [{ current: stored.record }] : []));
  }
  // Only the schema's columns of the merged record are written; metadata stays server-owned.
  const columns: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(decision.record)) {
    if (Object.hasOwn(s.col.columns, k) && v !== undefined) columns[k] = v;
  }
  const checked = validatePatch(s.col, columns);
  if (!checked.ok)
    throw new Error(`resolve() returned an invalid record: ${checked.issues.map((i) => i.path).join(', ')}`);
  return checked.value;
}
