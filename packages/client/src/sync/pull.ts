import { PROTOCOL_VERSION, type PullResponse, SynclineError, type WireRecord } from '@syncline/core';
import { parsePullResponse } from '@syncline/core/internal';
import { isNewer, rowFromBase, settleRecord } from '../local/record.ts';
import type { LocalRecord, LocalWriteTx } from '../local-store.ts';
import { compareIds } from '../store-helpers.ts';
import { META, type SyncContext } from './context.ts';
import { call } from './request.ts';
import { removeRows, revokeRows } from './revoke.ts';

/** Records checked per collection and page (the server accepts up to 1,000). */
const CHECK_PER_PAGE = 500;

/**
 * Pulls every collection (or those in `only`) until none has more (ARCHITECTURE.md §4.6, §6).
 * Each page is applied in ONE local
 * write tx together with the new cursors, so a crash resumes from the last applied page.
 * Reports `initial-sync` with progress while any collection starts from a null cursor.
 * `beforeRequest` runs once, just before the first request is sent.
 *
 * @example
 * await pullAll(ctx, signal);
 */
export async function pullAll(
  ctx: SyncContext,
  signal: AbortSignal | undefined,
  only?: readonly string[],
  beforeRequest?: () => void,
): Promise<void> {
  const run = { stale: false };
  try {
    await pullFrom(ctx, signal, only, beforeRequest, run);
  } catch (e) {
    // Known by the flag, not the error: a LocalStore may wrap what its callback threw.
    if (!run.stale) throw e;
    // Another writer changed what this process remembered: start again from the store.
    await pullFrom(ctx, signal, only, undefined, null);
  }
}

/** A page's tx found the store no longer holds what the pull was sent with (decision 0034). */
class StalePull extends Error {}

/** Where a pull starts: the client id, the cursors and the rows to check of `names`. */
async function startOf(ctx: SyncContext, names: readonly string[], remembered: boolean) {
  const memory = remembered ? ctx.session.pulled : undefined;
  if (memory && names.every((n) => memory.cursors.has(n))) {
    const cursors = new Map(names.map((n) => [n, memory.cursors.get(n) ?? null]));
    return { clientId: memory.clientId, cursors, checks: new Map<string, Array<[string, number]>>(), memory };
  }
  return ctx.store.read(async (tx) => {
    const cursors = new Map<string, string | null>();
    const checks = new Map<string, Array<[string, number]>>();
    for (const n of names) {
      cursors.set(n, (await tx.getMeta<string | null>(META.cursor(n))) ?? null);
      const check = Object.entries((await tx.getMeta<Record<string, number>>(META.check(n))) ?? {});
      if (check.length > 0) checks.set(n, check);
    }
    return {
      clientId: (await tx.getMeta<string>(META.clientId)) ?? 'unknown',
      cursors,
      checks,
      memory: null,
    };
  });
}

async function pullFrom(
  ctx: SyncContext,
  signal: AbortSignal | undefined,
  only: readonly string[] | undefined,
  beforeRequest: (() => void) | undefined,
  /** Set when a page's tx found the memory stale; null: start from the store. */
  run: { stale: boolean } | null,
): Promise<void> {
  const names = only ? [...only] : Object.keys(ctx.schema.collections);
  const { clientId, cursors, checks, memory } = await startOf(ctx, names, run !== null);
  const initial = [...cursors.values()].some((c) => c === null);
  ctx.progress.phase(initial ? 'initial-sync' : 'pulling', initial ? 0 : null);
  const limit = Math.min(ctx.pullLimit, ctx.session.limits?.maxRowsPerPage ?? ctx.pullLimit);
  // One page is fetched ahead while the previous one is written (pipelined). The request of page
  // n+1 needs only page n's answer (its cursors), not its local write; each cursor is still
  // persisted in the write tx of its own page, so a crash resumes exactly. A failed write aborts
  // the page in flight.
  const ahead = new AbortController();
  const stop = (): void => ahead.abort(signal?.reason);
  signal?.addEventListener('abort', stop, { once: true });
  const fetchPage = async (active: readonly string[]): Promise<Fetched> => {
    await ctx.failpoint('pull:before-request');
    // Rows held outside the stream are checked a slice at a time, within the server's bound.
    const sent = new Map<string, Record<string, number>>();
    for (const n of active) {
      const slice = checks.get(n)?.splice(0, CHECK_PER_PAGE) ?? [];
      if (slice.length > 0) sent.set(n, Object.fromEntries(slice));
    }
    const asked = new Map(active.map((n) => [n, cursors.get(n) ?? null]));
    const body = {
      protocol: PROTOCOL_VERSION,
      clientId,
      collections: Object.fromEntries(
        active.map((n) => {
          const check = sent.get(n);
          return [n, { cursor: cursors.get(n) ?? null, ...(check ? { check } : {}) }];
        }),
      ),
      limit,
    };
    // The first request is about to leave: whatever was committed before now is in its answer.
    beforeRequest?.();
    beforeRequest = undefined;
    const raw = (await call(ctx, '/pull', body, ahead.signal)).body;
    const parsed = parsePullResponse(raw);
    if (!parsed.success) {
      throw new SynclineError(
        'internal',
        'The sync server sent an unreadable pull answer; it will be retried.',
        { retryable: true, cause: parsed.error },
      );
    }
    await ctx.failpoint('pull:after-response');
    return { page: parsed.data, active, sent, asked };
  };
  signal?.throwIfAborted();
  let received = 0;
  let inFlight: Promise<Fetched> | null = names.length > 0 ? fetchPage(names) : null;
  try {
    while (inFlight) {
      signal?.throwIfAborted();
      const { page, active, sent, asked } = await inFlight;
      inFlight = null;
      const next: string[] = [];
      for (const n of active) {
        const cc = page.collections[n];
        if (!cc) continue; // not served to this client: nothing more to ask for in this run
        cursors.set(n, cc.cursor); // in memory for the next request; stored with this page below
        if (cc.hasMore || (checks.get(n)?.length ?? 0) > 0) next.push(n);
      }
      if (next.length > 0) {
        inFlight = fetchPage(next);
        // Awaited on the next turn; a failure of this page's write must not leave it unhandled.
        inFlight.catch(() => undefined);
        // One turn of the event loop first: `fetch` puts the request on its socket only after it,
        // and a synchronous store (better-sqlite3) would otherwise hold it back for the whole
        // write, so the server would start the next page only after this one is stored.
        await nextTurn();
      }
      const held = await applyPage(ctx, page, active, sent, memory && run ? { clientId, asked, run } : null);
      const swept = held.swept;
      remember(ctx, clientId, page, held.checking);
      await ctx.failpoint('pull:after-page');
      if (swept.length) {
        await ctx.failpoint('pull:after-sweep');
        for (const n of swept) ctx.reset(n);
      }
      for (const n of active) received += page.collections[n]?.changes.length ?? 0;
      if (initial)
        ctx.progress.phase(
          'initial-sync',
          received + page.remaining === 0 ? 1 : received / (received + page.remaining),
        );
    }
  } finally {
    signal?.removeEventListener('abort', stop);
    ahead.abort();
  }
}

type Immediate = (fn: () => void) => unknown;

/**
 * Resolves after one turn of the event loop (not a timer: no time passes on a manual clock):
 * `setImmediate` where there is one (Node, React Native), else a `MessageChannel` message.
 */
export function nextTurn(): Promise<void> {
  const immediate = (globalThis as { setImmediate?: Immediate }).setImmediate;
  if (immediate) return new Promise((resolve) => immediate(resolve));
  if (typeof MessageChannel === 'function') {
    return new Promise((resolve) => {
      const channel = new MessageChannel();
      channel.port1.onmessage = () => {
        channel.port1.close();
        resolve();
      };
      channel.port2.postMessage(null);
    });
  }
  return new Promise((resolve) => globalThis.setTimeout(resolve, 0));
}

/** A pull answer with what was asked for it. */
interface Fetched {
  page: PullResponse;
  active: readonly string[];
  sent: ReadonlyMap<string, Record<string, number>>;
  /** The cursor each collection was asked with. */
  asked: ReadonlyMap<string, string | null>;
}

/** Whether rows of `name` wait to be checked (a store may answer a missing key with null). */
async function hasChecks(tx: LocalWriteTx, name: string): Promise<boolean> {
  return ((await tx.getMeta(META.check(name))) ?? undefined) !== undefined;
}

/**
 * After a page's commit: its cursors are what the store holds now, so the next pull may be sent
 * without reading them; a collection with rows left to check is read from the store next time.
 */
function remember(
  ctx: SyncContext,
  clientId: string,
  page: PullResponse,
  checking: ReadonlySet<string>,
): void {
  const memory =
    ctx.session.pulled?.clientId === clientId ? ctx.session.pulled : { clientId, cursors: new Map() };
  for (const [n, cc] of Object.entries(page.collections)) {
    if (checking.has(n)) memory.cursors.delete(n);
    else memory.cursors.set(n, cc.cursor);
  }
  ctx.session.pulled = memory;
}

/**
 * Applies one page in ONE write tx; returns the collections whose reset finished (swept).
 * A reset marks every local row in the tx of its first page; each received record clears its
 * mark; the page with `hasMore: false` sweeps the still-marked rows without pending ops.
 * The mark and `reset:<name>` survive a crash, so an interrupted reset resumes from the stored
 * cursor and never empties the table.
 */
async function applyPage(
  ctx: SyncContext,
  page: PullResponse,
  requested: readonly string[],
  checked: ReadonlyMap<string, Record<string, number>>,
  remembered: { clientId: string; asked: ReadonlyMap<string, string | null>; run: { stale: boolean } } | null,
): Promise<{ swept: string[]; checking: Set<string> }> {
  const checking = new Set<string>();
  const swept: string[] = [];
  const touched = new Set<string>();
  /** Revoked or unreadable rows drop their unsent edits: the outbox may have changed. */
  let outbox = false;
  await ctx.store.write(async (tx) => {
    // Sent from memory: the store must still hold what was sent (a second tab, a background task
    // or a service worker may have pulled, reset or taken a new client id since), else nothing of
    // this page is written and the pull starts again from the store.
    if (remembered) {
      const stale = () => {
        ctx.session.pulled = undefined;
        remembered.run.stale = true;
        return new StalePull('The store changed since the last pull.');
      };
      if ((await tx.getMeta<string>(META.clientId)) !== remembered.clientId) throw stale();
      for (const name of requested) {
        if (!page.collections[name]) continue;
        const stored = (await tx.getMeta<string | null>(META.cursor(name))) ?? null;
        if (stored !== (remembered.asked.get(name) ?? null)) throw stale();
        if (await hasChecks(tx, name)) throw stale();
      }
    }
    let marked = false;
    for (const name of requested) {
      const cc = page.collections[name];
      if (!cc) continue;
      touched.add(name);
      let resetState = await tx.getMeta<true | 'requested'>(META.reset(name));
      if (cc.reset || resetState === 'requested') {
        await tx.markAll(name);
        await tx.setMeta(META.reset(name), true);
        resetState = true;
        marked = true;
      }
      await applyChanges(tx, name, cc.changes, resetState === true);
      // After the changes: a row that moved from a lost key to a kept one has its new key now.
      if (cc.revoked) {
        outbox = true;
        await revokeRows(ctx, tx, name, cc.revoked);
      }
      const sentChecks = checked.get(name);
      if (sentChecks) {
        if (cc.unreadable) {
          outbox = true;
          await removeRows(
            ctx,
            tx,
            name,
            cc.unreadable.filter((id) => id in sentChecks),
          );
        }
        // Answered in this page: a later push answer may have re-added an id with a new version.
        const left = (await tx.getMeta<Record<string, number>>(META.check(name))) ?? {};
        for (const [id, version] of Object.entries(sentChecks)) if (left[id] === version) delete left[id];
        if (Object.keys(left).length > 0) await tx.setMeta(META.check(name), left);
        else await tx.deleteMeta(META.check(name));
      }
      await tx.setMeta(META.cursor(name), cc.cursor);
      // Rows left to check (this page's revocations add some): the next pull reads them.
      if (await hasChecks(tx, name)) checking.add(name);
      if (!cc.hasMore && resetState === true) {
        await tx.sweepMarked(name);
        await tx.deleteMeta(META.reset(name));
        swept.push(name);
      }
    }
    if (marked) await ctx.failpoint('pull:reset-mark:before-commit');
    if (swept.length) await ctx.failpoint('pull:sweep:before-commit');
    await ctx.failpoint('pull:apply:before-commit');
  });
  ctx.changed(touched, { outbox });
  return { swept, checking };
}

/**
 * Base replaced only by a newer version — except during a reset (`authoritative`), where every
 * delivered record replaces the base whatever its version: a reset means the server's history
 * may not be the one the local bases came from (a restore from a backup hands out versions
 * again, lower than the ones the client kept), so only the server's current state is true.
 * Outside a restore a re-download never carries anything older than the base, so this changes
 * nothing for GC or scope resets. With no pending ops the visible row is the base (a tombstone
 * removes the record); with pending ops the visible row is the ops over the new base. A pull never
 * touches an outbox entry (its baseVersion stays what the user saw; the server judges it).
 */
async function applyChanges(
  tx: LocalWriteTx,
  name: string,
  changes: readonly WireRecord[],
  authoritative: boolean,
): Promise<void> {
  const plain: LocalRecord[] = [];
  // One lookup per page, not per row (a fresh client finds nothing).
  const stored = changes.length
    ? await tx.getRecords(
        name,
        changes.map((c) => c.id),
      )
    : new Map();
  for (const change of changes) {
    const rec = stored.get(change.id);
    const base = rec && !authoritative && !isNewer(change, rec.base) ? rec.base : change;
    if (rec && rec.pending > 0) {
      await settleRecord(tx, name, change.id, base, { marked: false });
      continue;
    }
    const row = rowFromBase(base);
    if (row === null) {
      if (rec) await tx.deleteRecord(name, change.id);
      continue;
    }
    plain.push({ id: change.id, base, row, pending: 0, marked: false });
  }
  // Key order makes the initial bulk load fast on B-tree stores (ARCHITECTURE.md §11).
  plain.sort(compareIds);
  if (plain.length) await tx.putRecords(name, plain);
}
