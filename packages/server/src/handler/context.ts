import type { SchemaDef } from '@syncline/core';
import type { AuthContext, Authenticator, Limits, Rules } from '../api.ts';
import type { ServerStore } from '../stores/types.ts';
import type { Logger } from './logger.ts';
import type { Keys } from './rules.ts';

/** What every request handler needs, resolved once from SyncServerOptions. */
export interface HandlerContext {
  schema: SchemaDef;
  store: ServerStore;
  auth: Authenticator;
  rules: Rules | undefined;
  dev: boolean;
  limits: Limits;
  outcomeRetention: number;
  logger: Logger;
  /** Collections of the schema a pull asked for that have no rules, already warned about once. */
  unservedWarned: Set<string>;
  /** Told the keys every pull computed (the realtime hub refreshes that client's sockets). */
  onPull?: (auth: AuthContext, clientId: string, keys: ReadonlyMap<string, Keys>) => void;
}
