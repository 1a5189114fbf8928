import { join } from 'node:path';
import { createClient } from '@syncline/client';
import { manualNetwork } from '@syncline/client/testing';
import { createSqliteLocalStore } from '@syncline/store-sqlite';
import { e2eSchema } from './schema.ts';

/** An in-process client on a real SQLite file talking real HTTP to `url`. */
export function makeClient(opts: {
  dir: string;
  name: string;
  url: string;
  token: string;
  online?: boolean;
}) {
  const network = manualNetwork(opts.online ?? true);
  const rejected: Array<Record<string, unknown>> = [];
  const client = createClient({
    schema: e2eSchema,
    url: opts.url,
    store: createSqliteLocalStore({ path: join(opts.dir, `${opts.name}.db`) }),
    auth: { getToken: () => opts.token },
    network,
    pushDebounceMs: 0,
  });
  client.on('rejected', (r) => rejected.push(r as unknown as Record<string, unknown>));
  return Object.assign(client, { network, rejected });
}
