/**
 * Answers for older clients. Protocol 3 added the server-owned `updatedBy` to records; clients of
 * protocols 1 and 2 parse records with a catch-all for columns, so they would take `updatedBy`
 * for a column of the collection (and a local store might try to write it as one). Their answers
 * leave it out.
 */
import type { PullResponse, PushResponse, WireRecord } from '@syncline/core';

/** The first protocol whose records carry `updatedBy`. */
export const UPDATED_BY_SINCE = 3;

function strip(record: WireRecord): WireRecord {
  if (!('updatedBy' in record)) return record;
  const { updatedBy: _, ...rest } = record;
  return rest as WireRecord;
}

/** The push answer as a client of `protocol` expects it. */
export function pushForProtocol(response: PushResponse, protocol: number): PushResponse {
  if (protocol >= UPDATED_BY_SINCE) return response;
  return {
    ...response,
    results: response.results.map((r) => {
      if (r.status === 'applied') return { ...r, record: strip(r.record) };
      if (r.status === 'rejected' && r.current) return { ...r, current: strip(r.current) };
      return r;
    }),
  };
}

/** The pull answer as a client of `protocol` expects it. */
export function pullForProtocol(response: PullResponse, protocol: number): PullResponse {
  if (protocol >= UPDATED_BY_SINCE) return response;
  const collections: PullResponse['collections'] = {};
  for (const [name, c] of Object.entries(response.collections))
    collections[name] = { ...c, changes: c.changes.map(strip) };
  return { ...response, collections };
}
