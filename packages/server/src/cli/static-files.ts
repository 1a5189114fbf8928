/**
 * `syncline serve --static <dir>`: the files of a built web app at `/` (e.g. the demo app).
 * Only the files found under the directory at start-up are routes, each by its exact path, so
 * no request path can reach outside it (no `..`, no symlinks followed out, no dotfiles). A file
 * added later needs a restart, which is what a build served by a sync server wants.
 */
import { lstatSync, readdirSync, readFileSync } from 'node:fs';
import { extname, join, resolve } from 'node:path';
import type { ExtraRoute } from '../node/listen.ts';
import { UsageError } from './errors.ts';

/** Content types by extension; anything else is served as bytes. */
const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.webmanifest': 'application/manifest+json; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.txt': 'text/plain; charset=utf-8',
  '.map': 'application/json; charset=utf-8',
  '.woff2': 'font/woff2',
};

/** Regular files under `dir`, as URL paths → absolute file paths; dot-entries and symlinks skipped. */
function collect(dir: string, prefix: string, out: Map<string, string>): void {
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    if (entry.name.startsWith('.')) continue;
    const path = join(dir, entry.name);
    const stat = lstatSync(path);
    if (stat.isDirectory()) collect(path, `${prefix}${entry.name}/`, out);
    else if (stat.isFile()) out.set(`${prefix}${encodeURIComponent(entry.name)}`, path);
  }
}

/** Response headers of one file: its type, caching, and the service worker's scope. */
function headersOf(urlPath: string): Record<string, string> {
  const headers: Record<string, string> = {
    'content-type': TYPES[extname(urlPath).toLowerCase()] ?? 'application/octet-stream',
    'x-content-type-options': 'nosniff',
    // Content-hashed build output never changes; everything else is revalidated.
    'cache-control': urlPath.startsWith('/assets/') ? 'public, max-age=31536000, immutable' : 'no-cache',
  };
  // A worker at /sw.js controls / by default; say so, and never let a stale worker be cached.
  if (urlPath === '/sw.js') headers['service-worker-allowed'] = '/';
  return headers;
}

/**
 * Routes serving every file of `dir` (GET and HEAD), `index.html` also at `/`. Throws
 * {@link UsageError} when `dir` is not a directory with an `index.html`.
 *
 * @example
 * await listen(server, { port: 8787, extraRoutes: staticRoutes('./apps/demo/dist') });
 */
export function staticRoutes(dir: string): ExtraRoute[] {
  const root = resolve(dir);
  const files = new Map<string, string>();
  try {
    collect(root, '/', files);
  } catch {
    throw new UsageError(`--static ${dir}: not a readable directory.`);
  }
  const index = files.get('/index.html');
  if (index === undefined) throw new UsageError(`--static ${dir}: no index.html in it.`);
  files.set('/', index);
  const routes: ExtraRoute[] = [];
  for (const [urlPath, file] of files) {
    const headers = headersOf(urlPath === '/' ? '/index.html' : urlPath);
    // Read per request: a rebuild in place (same names) is served without a restart.
    const handler = () => new Response(readFileSync(file), { headers });
    routes.push({ method: 'GET', path: urlPath, handler }, { method: 'HEAD', path: urlPath, handler });
  }
  return routes;
}
