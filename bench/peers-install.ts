/**
 * The peers (RxDB, PouchDB, WatermelonDB) live in `bench/peers/`, a package of its own outside
 * the root workspaces, so `npm install` at the root stays light. The first `npm run bench`
 * installs it from its lock file (`npm ci`); later runs find it installed.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';

export const PEERS_DIR = new URL('./peers/', import.meta.url).pathname;

/** Installs the peers' package when absent; returns the ms it took (0 when already there). */
export function ensurePeersInstalled(): number {
  if (existsSync(`${PEERS_DIR}node_modules/.package-lock.json`)) return 0;
  console.log('bench: installing the peers (bench/peers, npm ci) — once, not counted in the run time');
  const t0 = performance.now();
  const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';
  const r = spawnSync(npm, ['ci', '--no-audit', '--no-fund'], { cwd: PEERS_DIR, stdio: 'inherit' });
  if (r.status !== 0) throw new Error(`npm ci in ${PEERS_DIR} failed (exit ${r.status})`);
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
