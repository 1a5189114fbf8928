import { SynclineError } from '@syncline/core';
import { createContext, type ReactNode, useContext } from 'react';
import type { SynclineClientLike } from './client-like.ts';

const ClientContext = createContext<SynclineClientLike | null>(null);

/** Props of {@link SynclineProvider}. */
export interface SynclineProviderProps {
  /** The client the hooks below read from: a `SynclineClient`, or anything with the same API. */
  client: SynclineClientLike;
  children?: ReactNode;
}

/**
 * Makes a Syncline client available to the hooks and components below it.
 *
 * @example
 * const client = createClient({ schema, store, url: '/sync', auth: { getToken } });
 * await client.start();
 * root.render(
 *   <SynclineProvider client={client}>
 *     <App />
 *   </SynclineProvider>,
 * );
 */
export function SynclineProvider({ client, children }: SynclineProviderProps): ReactNode {
  return <ClientContext.Provider value={client}>{children}</ClientContext.Provider>;
}

/**
 * The client of the nearest {@link SynclineProvider}; throws when there is none. Pass your client's
 * type to get it back typed.
 *
 * @example
 * const client = useSynclineClient<typeof appClient>();
 * await client.db.tasks.update(id, { done: true });
 */
export function useSynclineClient<C extends SynclineClientLike = SynclineClientLike>(): C {
  const client = useContext(ClientContext);
  if (!client) {
    throw new SynclineError(
      'invalid',
      'A Syncline hook was used outside <SynclineProvider client={client}>: wrap the app (or this part of it) in the provider.',
    );
  }
  return client as C;
}
