import { resolve } from 'node:path';
import { SynclineError } from '@syncline/core';
import { type AuthFlags, authFromEnv, type EnvAuth } from '../auth/env.ts';
import { scheduleGc } from '../gc/index.ts';
import { createSyncServer } from '../handler/index.ts';
import { errorFields, type Logger } from '../handler/logger.ts';
import { type Listener, listen } from '../node/listen.ts';
import { DEFAULT_GC_OLDER_THAN_MS, parsePort, type ServeArgs } from './args.ts';
import { devRoutes } from './dev-routes.ts';
import { formatDuration } from './duration.ts';
import { UsageError } from './errors.ts';
import { limitOptions } from './limit-args.ts';
import { cliLogger } from './log.ts';
import { staticRoutes } from './static-files.ts';
import { loadTarget, openTarget, type Target } from './target.ts';

/** Where the CLI prints; injectable so tests can read it. */
export interface Output {
  log(line: string): void;
  error(line: string): void;
  /** Where the running server logs (requests that failed, the GC schedule); default pino on stderr. */
  logger?: Logger;
}

/** Hosts dev mode may bind: anything else would hand out tokens to the network. */
const LOOPBACK = new Set(['127.0.0.1', 'localhost', '::1']);

interface Resolved extends Target {
  port: number;
  host: string;
  dev: boolean;
}

async function resolveOptions(args: ServeArgs, env: NodeJS.ProcessEnv): Promise<Resolved> {
  const target = await loadTarget(args, env);
  const { config } = target;
  const envPort = env.PORT === undefined || env.PORT === '' ? undefined : parsePort(env.PORT, 'PORT');
  const dev = args.dev || config?.dev === true;
  const host = args.host ?? config?.host ?? '127.0.0.1';
  if (dev && !LOOPBACK.has(host)) {
    throw new UsageError(
      `Dev mode hands out tokens for any user, so it only binds 127.0.0.1; refusing --host ${host}. ` +
        'Run without --dev (and set SYNCLINE_JWT_SECRET or SYNCLINE_JWKS_URL) to serve other machines.',
    );
  }
  return { ...target, port: args.port ?? config?.port ?? envPort ?? 8787, host, dev };
}

function authDescription(auth: EnvAuth, dataDir: string, dev: boolean): string {
  const devTokens = `HS256 tokens signed with the dev secret in ${resolve(dataDir, 'dev-secret')}`;
  switch (auth.source) {
    case 'secret':
      return `HS256 tokens signed with SYNCLINE_JWT_SECRET${dev ? `; dev tokens: ${devTokens}` : ''}`;
    case 'jwks':
      return `tokens checked against the JWKS URL${dev ? `; dev tokens: ${devTokens}` : ''}`;
    case 'dev-secret':
      return devTokens;
  }
}

/** The token flags of `serve`, for {@link authFromEnv}. */
function authFlags(args: ServeArgs): AuthFlags {
  return {
    ...(args.jwksUrl === undefined ? {} : { jwksUrl: args.jwksUrl }),
    ...(args.jwtIssuer === undefined ? {} : { issuer: args.jwtIssuer }),
    ...(args.jwtAudience === undefined ? {} : { audience: args.jwtAudience }),
    ...(args.jwtClockSkewSeconds === undefined ? {} : { clockSkewSeconds: args.jwtClockSkewSeconds }),
  };
}

/** A running `syncline serve`. */
export interface Serving {
  readonly url: string;
  close(): Promise<void>;
}

/**
 * Starts `syncline serve`: loads the schema (and rules) or config module, opens the database,
 * configures tokens from `env`, and listens. Prints the URL and how to get a token.
 * Throws {@link UsageError} for mistakes in flags, config or environment.
 */
export async function serve(args: ServeArgs, env: NodeJS.ProcessEnv, out: Output): Promise<Serving> {
  const options = await resolveOptions(args, env);
  const logger = out.logger ?? cliLogger(env);
  const { store, dataDir, description: dbDescription } = await openTarget(options, args);

  let listener: Listener;
  let auth: EnvAuth;
  let limits: ReturnType<typeof limitOptions>;
  try {
    limits = limitOptions(args, env, options.dev);
    try {
      auth = await authFromEnv(env, { dev: options.dev, dataDir, ...authFlags(args) });
    } catch (error) {
      // A missing or bad secret is a configuration mistake the operator fixes: exit 2.
      if (error instanceof SynclineError && error.code === 'invalid') throw new UsageError(error.message);
      throw error;
    }
    if (!args.noMigrate) await store.migrate();
    // Background failures of the realtime side (a change-feed read, a key recomputation).
    const realtimeError = (error: unknown) =>
      logger.error({ error: errorFields(error) }, `realtime: ${describe(error)}`);
    const server = createSyncServer({
      schema: options.schema,
      store,
      auth: auth.auth,
      dev: options.dev,
      logger,
      realtime: { onError: realtimeError },
      ...(options.rules === undefined ? {} : { rules: options.rules }),
    });
    // Resolved before listening: a missing build is a usage error, not a server without its app.
    const appRoutes = args.staticDir === undefined ? [] : staticRoutes(args.staticDir);
    const devPage = args.staticDir === undefined ? '/' : '/dev';
    const extraRoutes = [
      ...(options.dev && auth.signingSecret !== null
        ? devRoutes({
            secret: auth.signingSecret,
            schema: options.schema,
            rules: options.rules,
            pagePath: devPage,
          })
        : []),
      ...appRoutes,
    ];
    listener = await listen(server, {
      port: options.port,
      host: options.host,
      extraRoutes,
      ...limits.options,
    });
  } catch (error) {
    await store.close().catch(() => {});
    throw error;
  }
  const gcEveryMs = args.gcEveryMs;
  const gcOlderThanMs = args.gcOlderThanMs ?? DEFAULT_GC_OLDER_THAN_MS;
  const gc =
    gcEveryMs === undefined
      ? undefined
      : scheduleGc(store, {
          everyMs: gcEveryMs,
          olderThanMs: gcOlderThanMs,
          onResult: ({ removed, ms }) =>
            logger.info(
              { removed, olderThan: formatDuration(gcOlderThanMs), ms: Math.round(ms) },
              `gc removed ${removed} tombstone(s) older than ${formatDuration(gcOlderThanMs)} in ${Math.round(ms)} ms`,
            ),
          onError: (error) =>
            logger.error(
              { error: errorFields(error) },
              `gc failed (will retry in ${formatDuration(gcEveryMs)}): ${describe(error)}`,
            ),
        });

  const url = listener.url;
  const lines = [
    `Syncline listening on ${url}${options.dev ? ' (dev mode)' : ''}`,
    `  sync API   ${url}/sync`,
    `  database   ${dbDescription}`,
    `  tokens     ${authDescription(auth, dataDir, options.dev)}`,
    `  metrics    ${metricsLine(url, limits.options.metrics)}`,
    ...limits.banner,
  ];
  if (args.staticDir !== undefined)
    lines.splice(1, 0, `  app        ${url}/ (the files of ${args.staticDir})`);
  if (gcEveryMs !== undefined) {
    lines.push(
      `  gc         every ${formatDuration(gcEveryMs)}, tombstones older than ${formatDuration(gcOlderThanMs)}`,
    );
  }
  if (args.noMigrate) lines.push('  migrate    skipped (--no-migrate)');
  const unruled = Object.keys(options.schema.collections).filter(
    (name) => options.rules?.[name] === undefined,
  );
  if (!options.dev && unruled.length > 0) {
    lines.push(`  warning    no rules for ${unruled.join(', ')}: not served outside dev mode`);
  }
  if (options.dev && auth.signingSecret !== null) {
    lines.push(
      'Get a token:',
      `  curl -s -X POST ${url}/dev/token -H 'content-type: application/json' -d '{"userId":"alice"}'`,
      args.staticDir === undefined
        ? `Open ${url}/ for push and pull examples. Press Ctrl-C to stop.`
        : `Open ${url}/ in two browser windows; push and pull examples at ${url}/dev. Press Ctrl-C to stop.`,
    );
  }
  // One write, so whoever watches for the "listening" line gets the whole banner with it.
  out.log(lines.join('\n'));
  return {
    url,
    async close() {
      // Stop the schedule first: a run in progress finishes before the store closes under it.
      await gc?.stop();
      await listener.close();
    },
  };
}

function metricsLine(url: string, metrics: boolean | { token: string } | undefined): string {
  if (metrics === false) return 'off (set SYNCLINE_METRICS_TOKEN or --metrics-token to serve /metrics)';
  return typeof metrics === 'object' ? `${url}/metrics (bearer token)` : `${url}/metrics`;
}

function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
