/**
 * `POST /sync/pull` (ARCHITECTURE.md §6): scope keys from the rules, cursors per decisions 0002 and 0012,
 * one store page across the requested collections.
 *
 * Protocol 2 (key groups): each collection's cursor holds groups of keys with a store position.
 * Keys the caller gained since the cursor are read from the start as a group of their own (a
 * backfill of just those keys); keys it lost are announced in `revoked` once the collection has
 * caught up. Every group is read through the caller's *current* keys only.
 */
import type { CollectionChanges, PullRequest, PullResponse, RevokedKeys, WireRecord } from '@syncline/core';
import { getCollection, validateId } from '@syncline/core/internal';
import type { AuthContext, CollectionRules } from '../api.ts';
import { parseRaw } from '../stores/raw-changes.ts';
import type { RawChanges, StorePullRequest, StorePullResult } from '../stores/types.ts';
import type { HandlerContext } from './context.ts';
import {
  decodeCursor,
  decodeGroups,
  encodeCursor,
  encodeGroups,
  fromTokens,
  type GroupCursor,
  mergeGroups,
  reconcile,
  scopeHash,
  toTokens,
} from './cursor.ts';
import { type JsonBody, requestError } from './errors.ts';
import { safeLog } from './logger.ts';
import { canRead, type Keys, rulesFor, scopeColumns, scopeFilter, scopeKeys } from './rules.ts';
import { pullForProtocol, UPDATED_BY_SINCE } from './wire-compat.ts';

/** Key sets larger than this (as JSON) use the hash cursor: a key change then resets (0002). */
const MAX_CURSOR_KEY_CHARS = 16_384;
/** Records one pull may `check` per collection (the client sends at most 500 at a time). */
const MAX_CHECK = 1000;

type Read = StorePullRequest['collections'][number];
type Got = StorePullResult['collections'][string];

interface HashPlan {
  kind: 'hash';
  name: string;
  hash: string;
  reset: boolean;
  reads: Read[];
}

interface GroupPlan {
  kind: 'groups';
  name: string;
  columns: readonly string[];
  current: string[];
  state: GroupCursor;
  reset: boolean;
  reads: Read[];
}

type Plan = HashPlan | GroupPlan;

/**
 * A collection's answer while the pull is built: its changes as records, or as the JSON text the
 * store built (decision 0033), written into the answer as it is.
 */
type Answer = Omit<CollectionChanges, 'changes'> & { changes: WireRecord[] | RawChanges };

interface PullAnswer {
  collections: Record<string, Answer>;
  remaining: number;
}

function records(changes: WireRecord[] | RawChanges): WireRecord[] {
  return Array.isArray(changes) ? changes : parseRaw(changes);
}

/** The pull answer as records (of the newest protocol; the caller adapts it to older ones). */
export async function handlePull(
  ctx: HandlerContext,
  auth: AuthContext,
  body: PullRequest,
): Promise<PullResponse> {
  const answer = await buildPull(ctx, auth, body);
  const collections: PullResponse['collections'] = {};
  for (const [name, a] of Object.entries(answer.collections))
    collections[name] = { ...a, changes: records(a.changes) };
  return { collections, remaining: answer.remaining };
}

/**
 * The pull answer's JSON for the client's protocol: the text `JSON.stringify` gives of the answer
 * (same keys in the same order), with each store page's JSON written in as it is — as bytes when
 * the store gave bytes (decision 0033).
 */
export async function handlePullText(
  ctx: HandlerContext,
  auth: AuthContext,
  body: PullRequest,
): Promise<JsonBody> {
  if (body.protocol < UPDATED_BY_SINCE)
    return JSON.stringify(pullForProtocol(await handlePull(ctx, auth, body), body.protocol));
  const answer = await buildPull(ctx, auth, body);
  const parts: Array<string | Uint8Array> = ['{"collections":{'];
  for (const [i, [name, { changes, ...rest }]] of Object.entries(answer.collections).entries()) {
    parts.push(`${i > 0 ? ',' : ''}${JSON.stringify(name)}:{"changes":`);
    parts.push(Array.isArray(changes) ? JSON.stringify(changes) : changes.json);
    // `rest` always has a cursor, so its text is `{…}` with at least one key after `changes`.
    parts.push(`,${JSON.stringify(rest).slice(1)}`);
  }
  parts.push(`},"remaining":${JSON.stringify(answer.remaining)}}`);
  if (parts.every((p) => typeof p === 'string')) return parts.join('');
  // The store's bytes as they are, between the envelope's texts (each encoded into its own buffer).
  const encoder = new TextEncoder();
  const bytes: Uint8Array[] = [];
  let text = '';
  for (const p of parts) {
    if (typeof p === 'string') text += p;
    else {
      if (text) bytes.push(encoder.encode(text));
      bytes.push(p);
      text = '';
    }
  }
  if (text) bytes.push(encoder.encode(text));
  return bytes;
}

async function buildPull(ctx: HandlerContext, auth: AuthContext, body: PullRequest): Promise<PullAnswer> {
  const served: Array<{
    name: string;
    rule: CollectionRules;
    cursor: string | null;
    check: Record<string, number> | undefined;
  }> = [];
  for (const [name, { cursor, check }] of Object.entries(body.collections)) {
    if (check && Object.keys(check).length > MAX_CHECK) {
      throw requestError('bad_request', `A pull may check at most ${MAX_CHECK} records per collection.`, {
        collection: name,
        maxCheck: MAX_CHECK,
      });
    }
    const rule = getCollection(ctx.schema, name) ? rulesFor(ctx.rules, ctx.dev, name) : null;
    // Not served (unknown, or no rules outside dev mode): left out of the answer, so a client whose
    // schema is ahead of the server's (decision 0003) still pulls everything else.
    if (rule) served.push({ name, rule, cursor, check });
    else if (getCollection(ctx.schema, name) && !ctx.unservedWarned.has(name)) {
      // The answer cannot say why (the wire has no field for it): tell the operator, once.
      ctx.unservedWarned.add(name);
      safeLog(
        ctx.logger,
        'warn',
        { collection: name },
        `a pull asked for "${name}", which has no rules and is not served outside dev mode: add rules.${name} (syncline serve: export "rules" from the --schema module)`,
      );
    }
  }
  if (served.length === 0) return { collections: {}, remaining: 0 };

  const limit = Math.min(body.limit ?? ctx.limits.maxRowsPerPage, ctx.limits.maxRowsPerPage);
  const plans = await ctx.store.read(async (db) => {
    const out: Array<{ plan: Plan; keys: Keys }> = [];
    for (const c of served) {
      const keys = await scopeKeys(c.rule, auth, db);
      out.push({ plan: plan(c.name, c.rule, keys, c.cursor, body.protocol), keys });
    }
    return out;
  });
  ctx.onPull?.(auth, body.clientId, new Map(plans.map(({ plan: p, keys }) => [p.name, keys])));

  const reads = plans.flatMap((p) => p.plan.reads);
  const page: StorePullResult =
    reads.length > 0
      ? await ctx.store.pull({ collections: reads, limit })
      : { collections: {}, remaining: 0 };
  const collections: Record<string, Answer> = {};
  for (const [i, { plan: p, keys }] of plans.entries()) {
    const answer = p.kind === 'hash' ? hashAnswer(p, page) : groupAnswer(p, page);
    const check = served[i]!.check;
    if (body.protocol >= 2 && check && Object.keys(check).length > 0)
      Object.assign(answer, await answerCheck(ctx, p.name, keys, check, records(answer.changes)));
    collections[p.name] = answer;
  }
  return { collections, remaining: page.remaining };
}

/**
 * The `check` of a protocol-2 pull: rows the client holds, or dropped, outside the stream (push
 * answers, a refusal without `current`). A readable row of another version than the client's is
 * sent as it is now; a row the caller may not read, or that does not exist, is named in
 * `unreadable` — which says nothing the client did not ask about.
 */
async function answerCheck(
  ctx: HandlerContext,
  name: string,
  keys: Keys,
  check: Record<string, number>,
  changes: WireRecord[],
): Promise<Pick<CollectionChanges, 'changes' | 'unreadable'>> {
  const ids = Object.keys(check);
  // An id no store can hold (U+0000, a lone surrogate) names no record: it is answered unreadable
  // without reaching SQL, where PostgreSQL would fail the whole pull on it.
  const queried = ids.filter((id) => validateId(id) === null);
  const found = new Map((await ctx.store.records(name, queried)).map((r) => [r.id, r]));
  const out = new Map(changes.map((c) => [c.id, c]));
  const unreadable: string[] = [];
  for (const id of ids) {
    const record = found.get(id);
    if (!record || !canRead(keys, record)) {
      unreadable.push(id);
      out.delete(id);
      continue;
    }
    const inPage = out.get(id);
    if (record.version !== check[id] && (!inPage || inPage.version < record.version)) out.set(id, record);
  }
  return { changes: [...out.values()], ...(unreadable.length > 0 ? { unreadable } : {}) };
}

function legacyHash(keys: Keys, rule: CollectionRules): string {
  if (keys === null) return rule.scope === 'public' ? 'public' : 'all';
  // One scope column: the hash of its keys, as protocol 1 always computed it.
  if (keys.size === 1) return scopeHash([...keys.values()][0]!);
  return scopeHash(toTokens(keys));
}

function plan(
  name: string,
  rule: CollectionRules,
  keys: Keys,
  cursor: string | null,
  protocol: number,
): Plan {
  const hash = legacyHash(keys, rule);
  const current = keys === null ? [] : toTokens(keys);
  const useHash = protocol < 2 || keys === null || JSON.stringify(current).length > MAX_CURSOR_KEY_CHARS;
  if (useHash) {
    const { position, reset } = decodeCursor(cursor, hash);
    return { kind: 'hash', name, hash, reset, reads: [{ name, position, scope: scopeFilter(keys) }] };
  }
  let state: GroupCursor;
  let reset = false;
  const fresh: GroupCursor = { groups: [{ keys: current, position: null }], lost: [] };
  if (cursor === null) state = fresh;
  else {
    const decoded = decodeGroups(cursor);
    if (decoded) state = reconcile(decoded, current);
    else {
      // A hash cursor (protocol 1, or keys that were too many) continues while its keys still hold.
      const legacy = decodeCursor(cursor, hash);
      reset = legacy.reset;
      state = reset ? fresh : { groups: [{ keys: current, position: legacy.position }], lost: [] };
    }
  }
  const columns = scopeColumns(rule) ?? [];
  const visible = scopeFilter(keys);
  const reads = state.groups.map(
    (g, i): Read => ({
      name,
      key: `${name}\u0000${i}`,
      position: g.position,
      scope: scopeFilter(fromTokens(g.keys, columns)),
      visible,
    }),
  );
  return { kind: 'groups', name, columns, current, state, reset, reads };
}

function got(page: StorePullResult, read: Read): Got {
  const answer = page.collections[read.key ?? read.name];
  if (!answer) throw new Error(`The store answered no page for "${read.name}".`);
  return answer;
}

/** A store page's changes: its JSON text when it has one (reading `changes` would parse it). */
function changesOf(answer: Got): WireRecord[] | RawChanges {
  return answer.raw ?? answer.changes;
}

function hashAnswer(p: HashPlan, page: StorePullResult): Answer {
  const answer = got(page, p.reads[0]!);
  return {
    changes: changesOf(answer),
    cursor: encodeCursor(p.hash, answer.position),
    hasMore: answer.hasMore,
    reset: p.reset || answer.reset,
  };
}

function groupAnswer(p: GroupPlan, page: StorePullResult): Answer {
  const answers = p.reads.map((r) => got(page, r));
  if (answers.some((a) => a.reset)) {
    // A group's position is gone (GC horizon, another database generation): restart the whole
    // collection, or the reset's sweep would remove the rows of the groups that continued.
    const restart: GroupCursor = { groups: [{ keys: p.current, position: null }], lost: [] };
    return { changes: [], cursor: encodeGroups(restart), hasMore: true, reset: true };
  }
  const changes = mergeChanges(answers);
  const hasMore = answers.some((a) => a.hasMore);
  const groups = mergeGroups(
    p.state.groups.map((g, i) => ({ keys: g.keys, position: answers[i]!.position })),
  );
  let lost = p.state.lost;
  let revoked: RevokedKeys | undefined;
  // Announced once caught up: a row that moved from a lost key to a kept one has arrived by now.
  if (!hasMore && lost.length > 0) {
    revoked = { keys: byColumn(fromTokens(lost, p.columns)), kept: {} };
    if (p.columns.length > 1) revoked.kept = byColumn(fromTokens(p.current, p.columns));
    lost = [];
  }
  return {
    changes,
    cursor: encodeGroups({ groups, lost }),
    hasMore,
    reset: p.reset,
    ...(revoked ? { revoked } : {}),
  };
}

/**
 * The changes of a collection's groups: a row visible through two groups' keys may come twice, and
 * the newer version stays (each store page holds an id once). Kept as JSON text when every page is.
 */
function mergeChanges(answers: readonly Got[]): WireRecord[] | RawChanges {
  if (answers.length === 1) return changesOf(answers[0]!);
  if (answers.every((a) => a.raw?.rows)) {
    const byId = new Map<string, { text: string; version: number }>();
    for (const { raw } of answers) {
      const { ids, texts, versions } = raw!.rows!;
      for (const [i, id] of ids.entries()) {
        const seen = byId.get(id);
        if (!seen || versions[i]! > seen.version) byId.set(id, { text: texts[i]!, version: versions[i]! });
      }
    }
    const rows = [...byId.entries()];
    const texts = rows.map(([, r]) => r.text);
    return {
      json: `[${texts.join(',')}]`,
      count: rows.length,
      rows: { texts, ids: rows.map(([id]) => id), versions: rows.map(([, r]) => r.version) },
    };
  }
  const byId = new Map<string, WireRecord>();
  for (const a of answers) {
    for (const change of a.changes) {
      const seen = byId.get(change.id);
      if (!seen || change.version > seen.version) byId.set(change.id, change);
    }
  }
  return [...byId.values()];
}

function byColumn(keys: ReadonlyMap<string, readonly string[]>): Record<string, string[]> {
  const out: Record<string, string[]> = {};
  for (const [column, values] of keys) if (values.length > 0) out[column] = [...values];
  return out;
}
