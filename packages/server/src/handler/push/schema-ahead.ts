/**
 * Decision 0003: a mutation naming an unknown collection or column, from a client whose schema
 * hash differs from the server's, answers the whole push `409 schema_ahead` (retryable) before
 * anything is applied. Without a hash, or with the server's own hash, it is a per-mutation `invalid`.
 */
import type { Mutation, SchemaDef } from '@syncline/core';
import { couldBeName, getCollection } from '@syncline/core/internal';
import { requestError } from '../errors.ts';

export function checkSchemaAhead(
  schema: SchemaDef,
  clientHash: string | undefined,
  mutations: readonly Mutation[],
): void {
  if (clientHash === undefined || clientHash === schema.hash) return;
  for (const m of mutations) {
    const col = getCollection(schema, m.collection);
    // Only a name some schema could have may mean a newer schema; reserved, malformed or hostile
    // names (U+0000, lone surrogates) can never become one, so they are plain mistakes: `invalid`.
    const unknown = !col
      ? [m.collection].filter(couldBeName)
      : Object.keys(m.op === 'insert' ? m.data : m.op === 'update' ? m.patch : {}).filter(
          (k) => !Object.hasOwn(col.columns, k) && couldBeName(k),
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
