/**
 * Decision 0003: a mutation naming an unknown collection or column, from a client whose schema
 * hash differs from the server's, answers the whole push `409 schema_ahead` (retryable) before
 * anything is applied. Without a hash, or with the server's own hash, it is a per-mutation `invalid`.
 */
import type { Mutation, SchemaDef } from '@syncline/core';
import { getCollection, isReservedName } from '@syncline/core/internal';
import { requestError } from './errors.ts';

export function checkSchemaAhead(
  schema: SchemaDef,
  clientHash: string | undefined,
  mutations: readonly Mutation[],
): void {
  if (clientHash === undefined || clientHash === schema.hash) return;
  for (const m of mutations) {
    const col = getCollection(schema, m.collection);
    const unknown = !col
      ? [m.collection]
      : Object.keys(m.op === 'insert' ? m.data : m.op === 'update' ? m.patch : {}).filter(
          // Reserved names can never become columns, so they are plain mistakes, not a newer schema.
          (k) => !Object.hasOwn(col.columns, k) && !isReservedName(k),
        );
    if (unknown.length > 0) {
      throw requestError(
        'schema_ahead',
        'This app is newer than the sync server (it knows collections or columns the server does not yet). Your changes are kept and will be sent again later.',
        { seq: m.seq, collection: m.collection, unknown, serverSchemaHash: schema.hash },
      );
    }
  }
}
