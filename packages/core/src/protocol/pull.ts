import * as z from 'zod/mini'; // a namespace import: bundlers tree-shake it, `import { z }` keeps all of zod
import { type WireRecord, wireRecord } from './record.ts';

/** `POST /sync/pull` body. A `null` cursor means "from the start". */
export const pullRequest = z.object({
  protocol: z.int(),
  clientId: z.string().check(z.minLength(1), z.maxLength(128)),
  collections: z.record(
    z.string().check(z.maxLength(64)),
    z.object({
      // Protocol 2 cursors carry the caller's keys (decision 0012): up to 64 KiB.
      cursor: z.nullable(z.string().check(z.maxLength(65_536))),
      /**
       * Protocol 2: rows the client holds (or dropped) outside the stream — from push answers, or
       * removed by a refusal — id → the version it holds (0: none). Answered in this page: the
       * current record when readable and of another version, else the id in `unreadable`.
       */
      check: z.optional(
        z.record(z.string().check(z.minLength(1), z.maxLength(128)), z.int().check(z.nonnegative())),
      ),
    }),
  ),
  limit: z.optional(z.int().check(z.positive())),
});
/** A `POST /sync/pull` body (see {@link pullRequest}). */
export type PullRequest = z.infer<typeof pullRequest>;

/** Scope keys per scope column (camelCase column → keys). */
const keysByColumn = z.record(z.string(), z.array(z.string()));

/**
 * Access the caller lost (protocol 2, decision 0012), sent after the page's changes: remove every
 * local row whose scope column holds one of `keys` and none of whose scope columns holds one of
 * `kept` (the caller's current keys); pending edits to them are dropped with a rejection.
 */
export const revokedKeys = z.object({ keys: keysByColumn, kept: keysByColumn });
/** Scope keys the caller lost and the ones it keeps, per scope column (see {@link revokedKeys}). */
export type RevokedKeys = z.infer<typeof revokedKeys>;

/** Changes of one collection; `reset` means: mark local rows, re-download, sweep the unreceived. */
export const collectionChanges = z.object({
  changes: z.array(wireRecord),
  cursor: z.string(),
  hasMore: z.boolean(),
  reset: z.boolean(),
  revoked: z.optional(revokedKeys),
  /** Protocol 2: ids of the request's `check` the caller may not read (or that do not exist). */
  unreadable: z.optional(z.array(z.string())),
});
/** One collection's part of a pull answer (see {@link collectionChanges}). */
export type CollectionChanges = z.infer<typeof collectionChanges>;

/** `POST /sync/pull` 200 answer; `remaining` estimates rows left, for progress bars. */
export const pullResponse = z.object({
  collections: z.record(z.string(), collectionChanges),
  remaining: z.int().check(z.nonnegative()),
});
/** A `POST /sync/pull` answer (see {@link pullResponse}). */
export type PullResponse = z.infer<typeof pullResponse>;

/** {@link pullResponse} with the records left unchecked: {@link parsePullResponse} checks them. */
const pullEnvelope = z.object({
  collections: z.record(z.string(), z.extend(collectionChanges, { changes: z.array(z.unknown()) })),
  remaining: z.int().check(z.nonnegative()),
});

/**
 * Whether `value` passes {@link wireRecord}, checked by hand: a pull page carries up to a thousand
 * records, and the schema's parse copied each of them (decision 0028).
 */
export function isWireRecord(value: unknown): value is WireRecord {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return false;
  const r = value as Record<string, unknown>;
  const { id, version, updatedAt, updatedBy, deletedAt } = r;
  return (
    typeof id === 'string' &&
    id.length >= 1 &&
    id.length <= 128 &&
    Number.isSafeInteger(version) &&
    (version as number) >= 0 &&
    (updatedAt === undefined || typeof updatedAt === 'string') &&
    (updatedBy === undefined || updatedBy === null || typeof updatedBy === 'string') &&
    (deletedAt === null || typeof deletedAt === 'string')
  );
}

/**
 * `pullResponse.safeParse`, answering the same: the envelope through the schema, the records by
 * {@link isWireRecord} and kept as they came (the parsed JSON is the caller's already); an answer
 * that fails either goes through the whole schema again for its error.
 */
export function parsePullResponse(raw: unknown): ReturnType<typeof pullResponse.safeParse> {
  const envelope = pullEnvelope.safeParse(raw);
  if (!envelope.success) return pullResponse.safeParse(raw);
  for (const cc of Object.values(envelope.data.collections)) {
    if (!cc.changes.every(isWireRecord)) return pullResponse.safeParse(raw);
  }
  return { success: true, data: envelope.data as PullResponse };
}
