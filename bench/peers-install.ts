/**
 * The peers (RxDB, PouchDB, WatermelonDB) live in `bench/peers/`, a package of its own outside
 * the root workspaces, so `npm install` at the root stays light. The first `npm run bench`
 * installs it from its lock file (`npm ci`), and so does the first run after the lock changed
 * (the installed lock's hash is kept in node_modules); other runs find it installed.
 */
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';

export const PEERS_DIR = new URL('./peers/', import.meta.url).pathname;
const STAMP = `${PEERS_DIR}node_modules/.syncline-bench-lock`;

function lockHash(): string {
  return createHash('sha256')
    .update(readFileSync(`${PEERS_DIR}package-lock.json`))
    .digest('hex');
}

/** Installs the peers' package when absent or stale; returns the ms it took (0 when already there). */
export function ensurePeersInstalled(): number {
  const hash = lockHash();
  if (existsSync(STAMP) && readFileSync(STAMP, 'utf8') === hash) return 0;
  console.log('bench: installing the peers (bench/peers, npm ci) — not counted in the run time');
  const t0 = performance.now();
  const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';
  const r = spawnSync(npm, ['ci', '--no-audit', '--no-fund'], { cwd: PEERS_DIR, stdio: 'inherit' });
  if (r.status !== 0) throw new Error(`npm ci in ${PEERS_DIR} failed (exit ${r.status})`);
  writeFileSync(STAMP, hash);
  return performance.now() - t0;
}

/** The installed version of a peer package (from its package.json), or 'absent'. */
export function peerVersion(name: string): string {
  try {
    return (
      JSON.parse(readFileSync(`${PEERS_DIR}node_modules/${name}/package.json`, 'utf8')) as { version: string }
    ).version;
  } catch {
    return 'absent';
  }
}
