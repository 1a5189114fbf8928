/**
 * The outcomes of an answered push, kept beside its Response for the Node listener's metrics
 * (a replayed push counts as `duplicate`, not `applied` again). Nothing goes on the wire.
 */
const outcomesOf = new WeakMap<Response, readonly string[]>();

/** Remembers `outcomes` for `response`; returns the response. */
export function notePushOutcomes(response: Response, outcomes: readonly string[]): Response {
  outcomesOf.set(response, outcomes);
  return response;
}

/**
 * Each mutation's outcome in a push answered by `createSyncServer`'s handler (`applied`,
 * `rejected`, `duplicate` for one processed before); undefined for any other response.
 */
export function pushOutcomes(response: Response): readonly string[] | undefined {
  return outcomesOf.get(response);
}
