/** The machine and the versions a benchmark run states (BENCHMARKS.md names them for every figure). */
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import Database from 'better-sqlite3';
import { peerVersion } from './peers-install.ts';

const require = createRequire(import.meta.url);

function rootVersion(name: string): string {
  try {
    return (JSON.parse(readFileSync(require.resolve(`${name}/package.json`), 'utf8')) as { version: string })
      .version;
  } catch {
    return 'unknown';
  }
}

/** The Syncline version and commit measured (the workspace's own packages, not a published build). */
function synclineVersion(): string {
  let version = 'unknown';
  try {
    const pkg = new URL('../packages/client/package.json', import.meta.url);
    version = (JSON.parse(readFileSync(pkg, 'utf8')) as { version: string }).version;
  } catch {
    // Not in a checkout.
  }
  const git = spawnSync('git', ['rev-parse', '--short', 'HEAD'], { encoding: 'utf8' });
  return git.status === 0 ? `${version} (${git.stdout.trim()})` : version;
}

export function machineInfo(postgres: string | null) {
  const db = new Database(':memory:');
  const sqlite = (db.prepare('SELECT sqlite_version() AS v').get() as { v: string }).v;
  db.close();
  return {
    cpus: os.availableParallelism(),
    cpu: os.cpus()[0]?.model ?? 'unknown',
    memoryGiB: Math.round(os.totalmem() / 1024 ** 3),
    os: `${os.type()} ${os.release()}`,
    node: process.version,
    loadBefore: os
      .loadavg()
      .map((x) => x.toFixed(2))
      .join(' '),
    versions: {
      syncline: synclineVersion(),
      'better-sqlite3': rootVersion('better-sqlite3'),
      sqlite,
      postgres: postgres ?? 'not reached',
      rxdb: peerVersion('rxdb'),
      dexie: peerVersion('dexie'),
      'fake-indexeddb': peerVersion('fake-indexeddb'),
      'pouchdb-node': peerVersion('pouchdb-node'),
      'express-pouchdb': peerVersion('express-pouchdb'),
      '@nozbe/watermelondb': peerVersion('@nozbe/watermelondb'),
    },
  };
}
