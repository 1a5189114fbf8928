/**
 * Dev-mode routes: `POST /dev/token` hands out tokens, `GET /` (or `/dev`) explains how to use them. Only
 * mounted by `syncline serve --dev`, which binds loopback only.
 */
import { randomUUID } from 'node:crypto';
import type { SchemaDef } from '@syncline/core';
import { textProblem } from '@syncline/core/internal';
import type { Rules } from '../api.ts';
import { DEV_TOKEN_ISSUER, signDevToken } from '../auth/jwt.ts';
import type { ExtraRoute } from '../node/listen.ts';

/** Longest accepted dev-token request body; a user id is at most 128 characters. */
const MAX_TOKEN_BODY_BYTES = 4096;
const MAX_USER_ID_LENGTH = 128;
const TOKEN_TTL_SECONDS = 12 * 60 * 60;

export interface DevRoutesOptions {
  /** The HS256 dev secret tokens are signed with (never the production secret). */
  secret: string;
  schema: SchemaDef;
  rules?: Rules | undefined;
  /** Where the sync API is mounted, default `/sync`. */
  basePath?: string;
  /** Where the page of curl commands is served, default `/` (`/dev` when an app is served at `/`). */
  pagePath?: string;
}

function json(status: number, body: unknown): Response {
  return new Response(JSON.stringify(body), {
    status,
    headers: { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store' },
  });
}

function badRequest(message: string): Response {
  return json(400, { error: { code: 'bad_request', message } });
}

/** Reads at most `max` bytes of the body; `null` when it is longer. */
async function readCapped(request: Request, max: number): Promise<string | null> {
  const declared = Number(request.headers.get('content-length') ?? '0');
  if (declared > max) return null;
  if (request.body === null) return '';
  const chunks: Uint8Array[] = [];
  let size = 0;
  const reader = request.body.getReader();
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > max) {
      await reader.cancel();
      return null;
    }
    chunks.push(value);
  }
  return Buffer.concat(chunks).toString('utf8');
}

/** Host names a browser uses for this machine. */
const LOOPBACK_HOSTS = new Set(['127.0.0.1', 'localhost', '[::1]']);

/**
 * Whether the request was addressed to a loopback name. A web page whose domain re-resolves to
 * 127.0.0.1 (DNS rebinding) could otherwise read tokens from a dev server; its requests carry
 * its own domain in `Host`.
 */
function addressedToLoopback(request: Request): boolean {
  const host = request.headers.get('host');
  if (host === null) return true; // HTTP/1.0 without Host: not a browser
  const name = host.replace(/:\d+$/, '').toLowerCase();
  return LOOPBACK_HOSTS.has(name);
}

async function issueToken(request: Request, secret: string): Promise<Response> {
  if (!addressedToLoopback(request)) {
    return json(403, {
      error: {
        code: 'forbidden',
        message: 'Dev tokens are only handed out to requests addressed to 127.0.0.1 or localhost.',
      },
    });
  }
  const text = await readCapped(request, MAX_TOKEN_BODY_BYTES);
  if (text === null)
    return json(413, { error: { code: 'payload_too_large', message: 'Send only {"userId": "…"}.' } });
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    return badRequest('The body must be JSON such as {"userId": "alice"}.');
  }
  const userId =
    typeof body === 'object' && body !== null ? (body as { userId?: unknown }).userId : undefined;
  if (typeof userId !== 'string' || userId.length === 0 || userId.length > MAX_USER_ID_LENGTH) {
    return badRequest(`"userId" must be a non-empty string of at most ${MAX_USER_ID_LENGTH} characters.`);
  }
  const problem = textProblem(userId);
  if (problem !== null) return badRequest(`"userId" ${problem}`);
  // Marked as a dev token: a production server refuses it even if its key were the same.
  const token = await signDevToken(secret, userId, TOKEN_TTL_SECONDS, { issuer: DEV_TOKEN_ISSUER });
  const expiresAt = new Date(Date.now() + TOKEN_TTL_SECONDS * 1000).toISOString();
  return json(200, { token, userId, expiresAt });
}

function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

function sampleValue(kind: string): unknown {
  switch (kind) {
    case 'integer':
      return 1;
    case 'real':
      return 1.5;
    case 'boolean':
      return false;
    case 'timestamp':
      return new Date().toISOString();
    case 'json':
      return {};
    default:
      return 'example';
  }
}

/** A push body for the first collection; the scope column holds the user id so the default rule admits it. */
function samplePush(options: DevRoutesOptions, userId: string): { collection: string; body: string } | null {
  const first = Object.values(options.schema.collections)[0];
  if (first === undefined) return null;
  const scope = options.rules?.[first.name]?.scope;
  const data: Record<string, unknown> = {};
  for (const [name, column] of Object.entries(first.columns)) {
    data[name] = name === scope ? userId : sampleValue(column.kind);
  }
  const mutation = { seq: 1, collection: first.name, id: randomUUID(), op: 'insert', data };
  return {
    collection: first.name,
    body: JSON.stringify({ protocol: 1, clientId: `curl-${randomUUID()}`, mutations: [mutation] }),
  };
}

function page(origin: string, options: DevRoutesOptions): string {
  const base = `${origin}${options.basePath ?? '/sync'}`;
  const push = samplePush(options, 'alice');
  const q = (s: string) => `'${s.replace(/'/g, `'\\''`)}'`;
  const commands = [
    `# 1. Get a token for a user (any id; dev mode only)`,
    `TOKEN=$(curl -s -X POST ${origin}/dev/token -H 'content-type: application/json' -d '{"userId":"alice"}' | sed -E 's/.*"token":"([^"]+)".*/\\1/')`,
    '',
    `# 2. Server info and limits`,
    `curl -s ${base}/info; echo`,
  ];
  if (push !== null) {
    const pull = JSON.stringify({
      protocol: 1,
      clientId: 'curl-reader',
      collections: { [push.collection]: { cursor: null } },
    });
    commands.push(
      '',
      `# 3. Push a new ${push.collection} record`,
      `curl -s -X POST ${base}/push -H "authorization: Bearer $TOKEN" -H 'content-type: application/json' -d ${q(push.body)}; echo`,
      '',
      `# 4. Pull ${push.collection} from the start`,
      `curl -s -X POST ${base}/pull -H "authorization: Bearer $TOKEN" -H 'content-type: application/json' -d ${q(pull)}; echo`,
    );
  }
  const collections = Object.keys(options.schema.collections).join(', ') || '(none)';
  return `<!doctype html>
<html lang="en">
<head><meta charset="utf-8"><title>Syncline dev server</title>
<style>body{font-family:system-ui,sans-serif;max-width:60rem;margin:2rem auto;padding:0 1rem;line-height:1.5}
pre{background:#f4f4f4;padding:1rem;overflow-x:auto;white-space:pre-wrap;word-break:break-all}</style></head>
<body>
<h1>Syncline dev server</h1>
<p>This is a <strong>Syncline sync server in dev mode</strong>: an offline-first sync engine's server,
bound to this machine only, with a generated token secret kept in its data directory.
Apps sync through the API at <code>${escapeHtml(base)}</code>. Collections: ${escapeHtml(collections)}.</p>
<p>Do not use dev mode in production: anyone who can reach <code>/dev/token</code> can act as any user.
In production set <code>SYNCLINE_JWT_SECRET</code> or <code>SYNCLINE_JWKS_URL</code> and run without <code>--dev</code>.</p>
<h2>Try it with curl</h2>
<pre>${escapeHtml(commands.join('\n'))}</pre>
<p>Health check: <a href="/healthz">/healthz</a></p>
</body>
</html>
`;
}

/**
 * The dev-mode routes for `listen({ extraRoutes })`.
 *
 * @example
 * await listen(server, { port: 8787, extraRoutes: devRoutes({ secret, schema, rules }) });
 */
export function devRoutes(options: DevRoutesOptions): ExtraRoute[] {
  return [
    { method: 'POST', path: '/dev/token', handler: (request) => issueToken(request, options.secret) },
    {
      method: 'GET',
      path: options.pagePath ?? '/',
      handler: (request) =>
        new Response(page(new URL(request.url).origin, options), {
          headers: { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-store' },
        }),
    },
  ];
}
