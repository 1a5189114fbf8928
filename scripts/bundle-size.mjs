#!/usr/bin/env node
/**
 * `npm run size`: the browser bundle of a web app's Syncline — `@syncline/client`,
 * `@syncline/store-indexeddb` and `@syncline/web` (with its service-worker entry) — built the way an
 * app's bundler would (esbuild: bundle, minify, ESM, platform browser), and checked:
 *
 * - gzip size at most {@link GZIP_LIMIT_BYTES};
 * - no Node built-in import (`node:*`, `fs`, `crypto`, …): they are marked external, recorded, and fail;
 * - no input file from `packages/server` or from the server-only drivers `pg` / `better-sqlite3`.
 *
 * Prints raw and gzip sizes and the largest contributors (from esbuild's metafile); exits 1 on a
 * failed check. `measureBrowserBundle()` is exported for `test/bundle-size.test.ts`.
 */
import { builtinModules } from 'node:module';
import { dirname, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { gzipSync } from 'node:zlib';
import { build } from 'esbuild';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');

/** The public entry points measured: what a browser app imports. */
export const BROWSER_ENTRIES = [
  '@syncline/client',
  '@syncline/store-indexeddb',
  '@syncline/web',
  '@syncline/web/service-worker',
];

/** 40 KB (40 000 bytes) gzip, for everything in {@link BROWSER_ENTRIES} together. */
export const GZIP_LIMIT_BYTES = 40_000;

/** Resolve the packages' TypeScript sources (the `@syncline/source` export condition) in the browser build. */
export const CONDITIONS = ['@syncline/source', 'browser', 'import', 'default'];

/** Inputs that must never reach the browser: server code and server-only database drivers. */
const FORBIDDEN_INPUTS = [
  { pattern: /(^|\/)packages\/server\//, why: 'server code (packages/server)' },
  { pattern: /(^|\/)node_modules\/(pg|pg-[^/]+)\//, why: 'the PostgreSQL driver (pg)' },
  { pattern: /(^|\/)node_modules\/better-sqlite3\//, why: 'better-sqlite3 (native, Node only)' },
];

const NODE_BUILTINS = new Set(builtinModules.filter((m) => !m.startsWith('_')));

/** `node:fs`, `fs`, `fs/promises` — any specifier naming a Node built-in module. */
function isNodeBuiltin(specifier) {
  if (specifier.startsWith('node:')) return true;
  return NODE_BUILTINS.has(specifier) || NODE_BUILTINS.has(specifier.split('/')[0]);
}

/** Marks Node built-ins external (the browser build would fail on them) and records who imported them. */
function recordNodeBuiltins(found) {
  return {
    name: 'record-node-builtins',
    setup(b) {
      b.onResolve({ filter: /.*/ }, (args) => {
        if (args.kind === 'entry-point' || !isNodeBuiltin(args.path)) return undefined;
        found.push({ specifier: args.path, importer: relative(args.importer) });
        return { path: args.path, external: true };
      });
    },
  };
}

function relative(path) {
  return path.startsWith(`${ROOT}/`) ? path.slice(ROOT.length + 1) : path;
}

/** `node_modules/zod/…` → `zod`, `packages/client/src/…` → `@syncline/client`, else the path. */
function packageOf(input) {
  const nm = input.lastIndexOf('node_modules/');
  if (nm >= 0) {
    const parts = input.slice(nm + 'node_modules/'.length).split('/');
    return parts[0].startsWith('@') ? `${parts[0]}/${parts[1]}` : parts[0];
  }
  const pkg = input.match(/^packages\/([^/]+)\//);
  return pkg ? `@syncline/${pkg[1]}` : input;
}

/**
 * Bundles `entries` for the browser and measures it. Never throws on a failed check; the result's
 * `failures` lists them (empty when the bundle is fine).
 *
 * @param {{ entries?: string[], gzipLimitBytes?: number }} [options]
 */
export async function measureBrowserBundle({
  entries = BROWSER_ENTRIES,
  gzipLimitBytes = GZIP_LIMIT_BYTES,
} = {}) {
  // Namespace re-exports keep every export of every entry alive, without name clashes between them.
  const contents = [
    ...entries.map((e, i) => `import * as e${i} from ${JSON.stringify(e)};`),
    `export { ${entries.map((_, i) => `e${i}`).join(', ')} };`,
  ].join('\n');
  const nodeImports = [];
  const result = await build({
    stdin: { contents, resolveDir: ROOT, sourcefile: 'browser-entry.js', loader: 'js' },
    absWorkingDir: ROOT,
    bundle: true,
    minify: true,
    format: 'esm',
    platform: 'browser',
    target: 'es2022',
    conditions: CONDITIONS,
    outfile: 'browser-bundle.js',
    write: false,
    metafile: true,
    logLevel: 'silent',
    plugins: [recordNodeBuiltins(nodeImports)],
  });
  const out = result.outputFiles.find((f) => f.path.endsWith('.js'));
  const rawBytes = out.contents.byteLength;
  const gzipBytes = gzipSync(out.contents, { level: 9 }).byteLength;

  const [meta] = Object.values(result.metafile.outputs);
  const files = Object.entries(meta.inputs)
    .map(([path, { bytesInOutput }]) => ({ path, bytes: bytesInOutput }))
    .sort((a, b) => b.bytes - a.bytes);
  const byPackage = new Map();
  for (const f of files) byPackage.set(packageOf(f.path), (byPackage.get(packageOf(f.path)) ?? 0) + f.bytes);
  const packages = [...byPackage].map(([name, bytes]) => ({ name, bytes })).sort((a, b) => b.bytes - a.bytes);

  const inputs = Object.keys(result.metafile.inputs);
  const forbiddenInputs = [];
  for (const path of inputs) {
    const hit = FORBIDDEN_INPUTS.find((f) => f.pattern.test(path));
    if (hit) forbiddenInputs.push({ path, why: hit.why });
  }
  // Anything esbuild left external in the output (only the built-ins above should be) also counts.
  for (const imp of meta.imports) {
    if (imp.external && isNodeBuiltin(imp.path) && !nodeImports.some((n) => n.specifier === imp.path)) {
      nodeImports.push({ specifier: imp.path, importer: '(output)' });
    }
  }

  const failures = [];
  if (gzipBytes > gzipLimitBytes)
    failures.push(`gzip ${gzipBytes} B is over the limit of ${gzipLimitBytes} B`);
  for (const n of nodeImports) failures.push(`Node built-in '${n.specifier}' imported by ${n.importer}`);
  for (const f of forbiddenInputs) failures.push(`${f.why} in the bundle: ${f.path}`);

  return {
    entries,
    rawBytes,
    gzipBytes,
    gzipLimitBytes,
    packages,
    files,
    inputs,
    nodeImports,
    forbiddenInputs,
    failures,
  };
}

const kb = (n) => `${(n / 1000).toFixed(1)} KB`;

function report(m, top = 12) {
  const lines = [
    `browser bundle of ${m.entries.join(', ')}`,
    `  minified ${kb(m.rawBytes)} (${m.rawBytes} B), gzip ${kb(m.gzipBytes)} (${m.gzipBytes} B), limit ${kb(m.gzipLimitBytes)} gzip`,
    '',
    'by package (minified bytes in output):',
    ...m.packages.slice(0, top).map((p) => `  ${kb(p.bytes).padStart(9)}  ${p.name}`),
    '',
    `top ${top} files:`,
    ...m.files.slice(0, top).map((f) => `  ${kb(f.bytes).padStart(9)}  ${f.path}`),
  ];
  if (m.failures.length) lines.push('', 'FAILED:', ...m.failures.map((f) => `  - ${f}`));
  else lines.push('', 'ok: under the limit, no Node built-ins, no server code.');
  return lines.join('\n');
}

if (process.argv[1] && import.meta.url === pathToFileURL(resolve(process.argv[1])).href) {
  const m = await measureBrowserBundle();
  console.log(report(m));
  process.exitCode = m.failures.length ? 1 : 0;
}
