import type { Db } from '@syncline/client';
import { type SchemaDef, SynclineError } from '@syncline/core';
import type { CollectionMethod } from '../protocol.ts';
import type { Connection } from './connection.ts';
import type { LiveQueries } from './live-queries.ts';

/**
 * `client.db` of a renderer: the same typed collection API as `createClient`'s, each call a
 * message to main, `watch` through the mirrored {@link LiveQueries}. An unknown collection name
 * throws here, with the same message as the engine's.
 */
export function rendererDb<S extends SchemaDef>(schema: S, connection: Connection, live: LiveQueries): Db<S> {
  const db: Record<string, unknown> = {};
  for (const name of Object.keys(schema.collections)) {
    const call =
      (method: CollectionMethod) =>
      (...args: unknown[]) =>
        connection.call({ t: 'call', collection: name, method, args });
    db[name] = {
      insert: call('insert'),
      update: call('update'),
      delete: async (id: string) => {
        await call('delete')(id);
      },
      insertMany: call('insertMany'),
      updateMany: call('updateMany'),
      deleteMany: async (ids: string[]) => {
        await call('deleteMany')(ids);
      },
      get: call('get'),
      find: (query?: object) => call('find')(...(query === undefined ? [] : [query])),
      isPending: call('isPending'),
      watch: (query: object, cb: (rows: unknown[]) => void, onError?: (e: unknown) => void) =>
        live.watch(name, query, cb, onError),
    };
  }
  return new Proxy(db, {
    get(target, key, receiver) {
      if (typeof key !== 'string' || key === 'then' || Object.hasOwn(target, key))
        return Reflect.get(target, key, receiver);
      const known = Object.keys(target);
      throw new SynclineError(
        'invalid',
        `client.db.${key}: "${key}" is not a collection of this client's schema. Its collections are ${known.map((k) => `"${k}"`).join(', ') || 'none'}; check the spelling, or add "${key}" to the schema passed to createRendererClient.`,
        { details: { collection: key, collections: known } },
      );
    },
  }) as unknown as Db<S>;
}
