// Builds apps/demo with Vite into apps/demo/dist, only when its sources changed: a SHA-256 of
// the demo's files, every package's src/ and the lockfile is kept in dist/.source-hash. The
// build goes to a temporary directory that replaces dist/ at the end, so a server (or a second
// `npm start`) never serves a half-written build. `npm start` runs this first.
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const demo = join(root, 'apps/demo');
const dist = join(demo, 'dist');
const HASH_FILE = '.source-hash';
const SKIP = new Set(['node_modules', 'dist', '.tmp']);

/** Every file under `dir`, sorted, skipping build output and tests. */
function files(dir) {
  const out = [];
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    if (SKIP.has(entry.name) || entry.name.startsWith('.dist-')) continue;
    const path = join(dir, entry.name);
    if (entry.isDirectory()) out.push(...files(path));
    else if (!/\.test\.tsx?$/.test(entry.name)) out.push(path);
  }
  return out.sort();
}

/** The hash of what the build reads. */
export function sourceHash() {
  const hash = createHash('sha256');
  const packages = readdirSync(join(root, 'packages')).map((p) => join(root, 'packages', p, 'src'));
  const inputs = [
    ...files(demo),
    ...packages.filter(existsSync).flatMap(files),
    join(root, 'package-lock.json'),
    fileURLToPath(import.meta.url),
  ];
  for (const file of inputs) {
    hash.update(relative(root, file)).update('\0').update(readFileSync(file)).update('\0');
  }
  return hash.digest('hex');
}

function built() {
  try {
    return readFileSync(join(dist, HASH_FILE), 'utf8').trim();
  } catch {
    return null;
  }
}

/** Builds the demo unless dist/ holds a build of the current sources. */
export async function buildDemo({ force = false, log = console.log } = {}) {
  const hash = sourceHash();
  if (!force && built() === hash) {
    log(`demo app: up to date (${relative(root, dist)})`);
    return { built: false, dir: dist };
  }
  const started = performance.now();
  const { build } = await import('vite');
  const tmp = join(demo, `.dist-${process.pid}`);
  try {
    await build({
      configFile: join(demo, 'vite.config.ts'),
      logLevel: 'warn',
      build: { outDir: tmp, emptyOutDir: true },
    });
    writeFileSync(join(tmp, HASH_FILE), `${hash}\n`);
    // Another `npm start` (or test) built the same sources meanwhile: keep its build, which a
    // server may already be serving.
    if (built() === hash) return { built: false, dir: dist };
    const old = join(demo, `.dist-old-${process.pid}`);
    if (existsSync(dist)) renameSync(dist, old);
    renameSync(tmp, dist);
    rmSync(old, { recursive: true, force: true });
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
  log(`demo app: built in ${Math.round(performance.now() - started)} ms (${relative(root, dist)})`);
  return { built: true, dir: dist };
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  await buildDemo({ force: process.argv.includes('--force') });
}
