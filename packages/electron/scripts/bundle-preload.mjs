#!/usr/bin/env node
/**
 * Bundles the preload (src/preload/index.ts) into one self-contained CommonJS file that may
 * `require` only `electron`: what a sandboxed, context-isolated preload can load.
 *
 * Usage: node scripts/bundle-preload.mjs [outfile]   (default: dist/preload.cjs)
 */
import { writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const pkg = join(dirname(fileURLToPath(import.meta.url)), '..');
const outfile = resolve(process.argv[2] ?? join(pkg, 'dist/preload.cjs'));
await build({
  entryPoints: [join(pkg, 'src/preload/index.ts')],
  outfile,
  bundle: true,
  format: 'cjs',
  platform: 'browser',
  target: 'es2022',
  external: ['electron'],
  legalComments: 'none',
  logLevel: 'warning',
});
// The preload exports nothing: its types say so, for `import.meta.resolve` and attw.
writeFileSync(outfile.replace(/\.cjs$/, '.d.cts'), 'export {};\n');
