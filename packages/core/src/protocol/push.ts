import * as z from 'zod/mini'; // a namespace import: bundlers tree-shake it, `import { z }` keeps all of zod
import { wireRecord } from './record.ts';

const base = {
  seq: z.int().check(z.positive(), z.maximum(Number.MAX_SAFE_INTEGER)),
  collection: z.string().check(z.minLength(1), z.maxLength(64)),
  id: z.string().check(z.minLength(1), z.maxLength(128)),
};

/** One mutation of a push. `baseVersion` is the version of the record the user edited. */
export const mutation = z.discriminatedUnion('op', [
  z.object({ ...base, op: z.literal('insert'), data: z.record(z.string(), z.unknown()) }),
  z.object({
    ...base,
    op: z.literal('update'),
    patch: z.record(z.string(), z.unknown()),
    baseVersion: z.int().check(z.nonnegative()),
  }),
  z.object({ ...base, op: z.literal('delete'), baseVersion: z.int().check(z.nonnegative()) }),
]);
/** One mutation of a push as the wire carries it (see {@link mutation}). */
export type Mutation = z.infer<typeof mutation>;

/** `POST /sync/push` body. `schemaHash` lets the server tell a client whose schema is ahead of its own. */
export const pushRequest = z.object({
  protocol: z.int(),
  clientId: z.string().check(z.minLength(1), z.maxLength(128)),
  schemaHash: z.optional(z.string().check(z.maxLength(64))),
  mutations: z.array(mutation),
});
/** A `POST /sync/push` body (see {@link pushRequest}). */
export type PushRequest = z.infer<typeof pushRequest>;

/**
 * One validation problem of a rejected mutation: the field's `path` (`''` for the whole mutation)
 * and a `message`.
 */
export const issue = z.object({ path: z.string(), message: z.string() });

/** The outcome of one mutation. `duplicate`: processed before, outcome aged out; treat as acknowledged. */
export const mutationResult = z.discriminatedUnion('status', [
  z.object({ seq: z.int(), status: z.literal('applied'), record: wireRecord }),
  z.object({
    seq: z.int(),
    status: z.literal('rejected'),
    code: z.enum(['conflict', 'not_found', 'forbidden', 'invalid']),
    message: z.string(),
    current: z.optional(wireRecord),
    issues: z.optional(z.array(issue)),
  }),
  z.object({ seq: z.int(), status: z.literal('duplicate') }),
]);
/**
 * The server's answer for one mutation: `applied` with the stored record, `rejected` with a code,
 * or `duplicate`.
 */
export type MutationResult = z.infer<typeof mutationResult>;

/**
 * `POST /sync/push` 200 answer: one result per mutation, in order, for the batch or a prefix of it
 * (a server whose savepoint budget ran out answers the first ones; the client sends the rest again
 * with the same seqs, decision 0035).
 */
export const pushResponse = z.object({ results: z.array(mutationResult) });
/** A `POST /sync/push` answer (see {@link pushResponse}). */
export type PushResponse = z.infer<typeof pushResponse>;
