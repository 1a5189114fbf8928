#!/usr/bin/env node
/**
 * Rewrites the relative `.ts` (and `.tsx`) specifiers TypeScript leaves in emitted declarations
 * (`rewriteRelativeImportExtensions` rewrites them in JavaScript only) to `.js`, so the published
 * `.d.ts` resolve under `moduleResolution: node16` as well as `bundler`.
 *
 * Usage: node scripts/fix-dts.mjs [packageDir …]   (default: the current directory)
 */
import { readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

const SPECIFIER = /((?:from|import)\s*\(?\s*['"])(\.{1,2}\/[^'"]+?)\.(m|c)?tsx?(['"])/g;

function* declarations(dir) {
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) yield* declarations(path);
    else if (/\.d\.[mc]?ts$/.test(name)) yield path;
  }
}

let changed = 0;
for (const pkg of process.argv.slice(2).length > 0 ? process.argv.slice(2) : ['.']) {
  const dist = join(pkg, 'dist');
  try {
    statSync(dist);
  } catch {
    console.error(`fix-dts: ${dist} does not exist; run the build first (tsc -b).`);
    process.exit(1);
  }
  for (const file of declarations(dist)) {
    const text = readFileSync(file, 'utf8');
    const fixed = text.replace(
      SPECIFIER,
      (_, head, path, kind, quote) => `${head}${path}.${kind ?? ''}js${quote}`,
    );
    if (fixed !== text) {
      writeFileSync(file, fixed);
      changed++;
    }
  }
}
if (process.env.FIX_DTS_VERBOSE) console.log(`fix-dts: ${changed} declaration files rewritten`);
