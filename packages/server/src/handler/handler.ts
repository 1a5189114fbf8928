/**
 * The Fetch-API sync handler: routes under basePath, authenticates, reads bounded bodies, and
 * turns every failure into a JSON error. Nothing malformed produces a 5xx.
 */
import type { InfoResponse } from '@syncline/core';
import {
  MIN_PROTOCOL_VERSION,
  PROTOCOL_VERSION,
  pullRequest,
  pushRequest,
  SynclineError,
} from '@syncline/core';
import type { AuthContext, SyncServer, SyncServerOptions } from '../api.ts';
import { DEFAULT_LIMITS } from '../api.ts';
import { createRealtimeHub } from '../realtime/hub.ts';
import { parseMessage, readBodyText } from './body.ts';
import type { HandlerContext } from './context.ts';
import { errorJson, isRequestErrorCode, json, requestError, toErrorResponse } from './errors.ts';
import { handlePull } from './pull.ts';
import { handlePush } from './push.ts';

/**
 * Creates the sync server's request handler over a store.
 *
 * @example
 * const store = createSqliteStore({ path: './data/syncline.db', schema });
 * await store.migrate();
 * const server = createSyncServer({ schema, rules, store, auth: createJwtAuth({ secret }) });
 * const response = await server.handler(new Request('http://localhost/sync/info'));
 */
export function createSyncServer(options: SyncServerOptions): SyncServer {
  checkRules(options);
  const limits = { ...DEFAULT_LIMITS, ...options.limits };
  const basePath = normaliseBasePath(options.basePath ?? '/sync');
  const ctx: HandlerContext = {
    schema: options.schema,
    store: options.store,
    auth: options.auth,
    rules: options.rules,
    dev: options.dev ?? false,
    limits,
    outcomeRetention: Math.max(1, options.outcomeRetention ?? 1000),
  };
  const realtime =
    options.realtime?.enabled !== false && options.store.subscribe
      ? createRealtimeHub(ctx, basePath, options.realtime)
      : null;
  if (realtime) ctx.onPull = realtime.pulled;
  const info: InfoResponse = {
    protocol: { min: MIN_PROTOCOL_VERSION, max: PROTOCOL_VERSION },
    limits: { ...limits },
    schemaHash: options.schema.hash,
  };

  async function route(request: Request): Promise<Response> {
    const path = new URL(request.url).pathname;
    const sub = path.startsWith(`${basePath}/`) ? path.slice(basePath.length) : null;
    if (sub === '/info' && (request.method === 'GET' || request.method === 'HEAD')) return json(200, info);
    if ((sub === '/push' || sub === '/pull') && request.method === 'POST') {
      const auth = await authenticate(ctx, request);
      const text = await readBodyText(request, limits.maxBodyBytes);
      if (sub === '/push') return json(200, await handlePush(ctx, auth, parseMessage(text, pushRequest)));
      return json(200, await handlePull(ctx, auth, parseMessage(text, pullRequest)));
    }
    return errorJson('not_found', `No sync endpoint ${request.method} ${path}.`);
  }

  return {
    limits,
    store: options.store,
    handler: async (request) => {
      try {
        return await route(request);
      } catch (err) {
        return toErrorResponse(err);
      }
    },
    realtime,
    close: async () => {
      await realtime?.close();
      await options.store.close();
    },
  };
}

function normaliseBasePath(path: string): string {
  const trimmed = path.replace(/\/+$/, '');
  return trimmed.startsWith('/') || trimmed === '' ? trimmed : `/${trimmed}`;
}

/** A missing, malformed, forged or expired token is a 401, whatever the authenticator threw. */
async function authenticate(ctx: HandlerContext, request: Request): Promise<AuthContext> {
  const header = request.headers.get('authorization');
  const match = header ? /^Bearer\s+(\S+)\s*$/i.exec(header) : null;
  try {
    const auth = await ctx.auth.verify(match?.[1] ?? null);
    if (!auth || typeof auth.userId !== 'string' || auth.userId === '') throw new Error('no user id');
    return auth;
  } catch (err) {
    // An authenticator may report its own outage (503) or rate limit; anything else means "not signed in".
    if (
      err instanceof SynclineError &&
      isRequestErrorCode(err.code) &&
      err.code !== 'internal' &&
      err.code !== 'bad_request'
    ) {
      throw err.status === undefined ? requestError(err.code, err.message, err.details) : err;
    }
    throw requestError(
      'unauthenticated',
      'You are not signed in, or your session has expired. Sign in again.',
    );
  }
}

/** Rule mistakes that would fail every request fail here, at startup, with the rule named. */
function checkRules(options: SyncServerOptions): void {
  for (const [name, rule] of Object.entries(options.rules ?? {})) {
    const columns = typeof rule.scope === 'string' ? [rule.scope] : rule.scope;
    if (columns.length === 0)
      throw new SynclineError('invalid', `The rule for "${name}" has no scope column.`);
    if (columns.length > 1 && columns.includes('public'))
      throw new SynclineError(
        'invalid',
        `The rule for "${name}": 'public' cannot be one of several scope columns.`,
      );
    if (columns.length > 1 && !rule.access)
      throw new SynclineError(
        'invalid',
        `The rule for "${name}" is scoped by ${columns.join(', ')}: it needs an access() that answers keys per column.`,
      );
    const col = options.schema.collections[name];
    for (const c of columns) {
      if (col && c !== 'public' && c !== 'id' && !Object.hasOwn(col.columns, c))
        throw new SynclineError(
          'invalid',
          `The rule for "${name}" is scoped by "${c}", which is not a column of it.`,
        );
    }
  }
}
