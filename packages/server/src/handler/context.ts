import type { SchemaDef } from '@syncline/core';
import type { Authenticator, Limits, Rules } from '../api.ts';
import type { ServerStore } from '../stores/types.ts';

/** What every request handler needs, resolved once from SyncServerOptions. */
export interface HandlerContext {
  schema: SchemaDef;
  store: ServerStore;
  auth: Authenticator;
  rules: Rules | undefined;
  dev: boolean;
  limits: Limits;
  outcomeRetention: number;
}
