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
import { userIdProblem } from '../auth/user-id.ts';
import { createRealtimeHub } from '../realtime/hub.ts';
import { checkMessage, parseJson, parseMessage, readBodyText } from './body.ts';
import type { HandlerContext } from './context.ts';
import { restoreDroppedKeys } from './dropped-keys.ts';
import { errorJson, isRequestErrorCode, json, jsonAnswer, requestError } from './errors.ts';
import { answerFailure, type FailureSink } from './failures.ts';
import { requestIdOf, safeLog, silentLogger } from './logger.ts';
import { handlePullText } from './pull.ts';
import { bodyBoundsMutations, markWithinLimit } from './push/apply.ts';
import { handlePush } from './push/handle.ts';
import { notePushOutcomes } from './push/outcomes.ts';
import { wellFormedPush } from './push-shape.ts';
import { pushForProtocol } from './wire-compat.ts';

/**
 * Creates the sync server's request handler over a store. Every answer carries an
 * `x-request-id` header; a 5xx is logged with its cause under that id (see `logger`, `onError`).
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
    logger: options.logger ?? silentLogger,
    unservedWarned: new Set(),
  };
  const { logger } = ctx;
  const sink: FailureSink = { logger, onError: options.onError };
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

  /** Each request's token is verified once, whoever asks first (the listener's rate limit or the route). */
  const verified = new WeakMap<Request, Promise<AuthContext>>();
  const callerOf = (request: Request): Promise<AuthContext> => {
    let caller = verified.get(request);
    if (caller === undefined) {
      caller = authenticate(ctx, request);
      verified.set(request, caller);
    }
    return caller;
  };
  const subPath = (request: Request): string | null => {
    const path = new URL(request.url).pathname;
    return path.startsWith(`${basePath}/`) ? path.slice(basePath.length) : null;
  };
  const needsToken = (request: Request, sub: string | null) =>
    (sub === '/push' || sub === '/pull') && request.method === 'POST';

  async function route(request: Request): Promise<Response> {
    const path = new URL(request.url).pathname;
    const sub = subPath(request);
    if (sub === '/info' && (request.method === 'GET' || request.method === 'HEAD')) return json(200, info);
    if (needsToken(request, sub)) {
      const auth = await callerOf(request);
      const text = await readBodyText(request, limits.maxBodyBytes);
      if (sub === '/push') {
        const raw = parseJson(text);
        // The common, well-formed body skips zod's copy; anything else gets zod's answer.
        const body = wellFormedPush(raw) ?? restoreDroppedKeys(raw, checkMessage(raw, pushRequest));
        if (bodyBoundsMutations(text, limits.maxMutationBytes)) markWithinLimit(body.mutations);
        const answer = await handlePush(ctx, auth, body);
        return notePushOutcomes(json(200, pushForProtocol(answer.body, body.protocol)), answer.outcomes);
      }
      const body = parseMessage(text, pullRequest);
      return jsonAnswer(200, await handlePullText(ctx, auth, body));
    }
    return errorJson('not_found', notFoundMessage(request, path, basePath));
  }

  return {
    limits,
    store: options.store,
    logger,
    answerError: (error, request) => answerFailure(sink, error, request, requestIdOf(request)),
    handler: async (request) => {
      const requestId = requestIdOf(request);
      const started = performance.now();
      let response: Response;
      try {
        response = tagged(await route(request), requestId);
      } catch (err) {
        response = answerFailure(sink, err, request, requestId);
      }
      safeLog(
        logger,
        'debug',
        {
          requestId,
          method: request.method,
          path: new URL(request.url).pathname,
          status: response.status,
          ms: Math.round(performance.now() - started),
        },
        'request',
      );
      return response;
    },
    realtime,
    authenticate: async (request) => (needsToken(request, subPath(request)) ? callerOf(request) : null),
    close: async () => {
      await realtime?.close();
      await options.store.close();
    },
  };
}

/**
 * The 404 message: which endpoints exist, and the likely fix when the path names one of them under
 * another base (a client URL without `/sync`) or with another method.
 */
function notFoundMessage(request: Request, path: string, basePath: string): string {
  const { method } = request;
  const endpoint = /\/(push|pull|info)$/.exec(path)?.[0];
  const endpoints = `POST ${basePath}/push, POST ${basePath}/pull and GET ${basePath}/info`;
  if (endpoint !== undefined && path === `${basePath}${endpoint}`) {
    return `No sync endpoint ${method} ${path}: use ${endpoint === '/info' ? 'GET' : 'POST'} ${path}.`;
  }
  if (endpoint !== undefined) {
    return `No sync endpoint ${method} ${path}: the sync API is mounted at ${basePath || '/'} (${endpoints}). If this is a Syncline client, its url must end in ${basePath}: "${new URL(request.url).origin}${basePath}".`;
  }
  return `No sync endpoint ${method} ${path}. The sync endpoints are ${endpoints}.`;
}

/** The response with its `x-request-id`; a response with immutable headers is copied first. */
function tagged(response: Response, requestId: string): Response {
  try {
    response.headers.set('x-request-id', requestId);
    return response;
  } catch {
    const copy = new Response(response.body, response);
    copy.headers.set('x-request-id', requestId);
    return copy;
  }
}

function normaliseBasePath(path: string): string {
  const trimmed = path.replace(/\/+$/, '');
  return trimmed.startsWith('/') || trimmed === '' ? trimmed : `/${trimmed}`;
}

/** A missing, malformed, forged or expired token is a 401, whatever the authenticator threw. */
async function authenticate(ctx: HandlerContext, request: Request): Promise<AuthContext> {
  const header = request.headers.get('authorization');
  const match = header ? /^Bearer\s+(\S+)\s*$/i.exec(header) : null;
  let auth: AuthContext;
  try {
    auth = await ctx.auth.verify(match?.[1] ?? null);
    if (!auth || typeof auth.userId !== 'string' || auth.userId === '') throw new Error('no user id');
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
    // The authenticator's own reason (missing, malformed, expired, forged) tells the caller what to fix.
    if (err instanceof SynclineError && err.code === 'unauthenticated') {
      throw requestError('unauthenticated', err.message, err.details);
    }
    throw requestError(
      'unauthenticated',
      'You are not signed in, or your session has expired. Sign in again.',
    );
  }
  // Whatever the authenticator, the user id reaches SQL (client ownership, rules): it must be text
  // every store keeps exactly, and bounded.
  const problem = userIdProblem(auth.userId);
  if (problem !== null) throw requestError('unauthenticated', `The token's user id (sub) ${problem}`);
  return auth;
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
