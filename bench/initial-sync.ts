/**
 * S1, initial sync: for each data set size, the servers are started and seeded once (the
 * Syncline server on SQLite, the in-memory fixture server, the express-pouchdb server), then every
 * contender syncs all rows into a fresh client process, repetitions interleaved. Seeding is not
 * timed. Every server started here is stopped, also on failure.
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { signDevToken } from '@syncline/server';
import { type Service, startService, tsNode } from './child.ts';
import { initialSyncContenders, type SyncUrls } from './contenders.ts';
import { type ContenderRuns, runInterleaved } from './interleave.ts';
import { PEERS_DIR } from './peers-install.ts';

const SETTLE_MS = 5000;

export interface SyncResult {
  ms: number;
  rows: number;
  peakRssBytes: number;
  /** Bytes of the pull answers as they crossed the wire (Syncline's runs only). */
  wireBytes?: number;
}

export interface InitialSyncSize {
  rows: number;
  capMs: number;
  seedMs: Record<string, number>;
  contenders: Array<ContenderRuns<SyncResult>>;
}

export async function runInitialSync(
  size: { rows: number; capMs: number },
  reps: number,
  log: (line: string) => void,
  peers = true,
): Promise<InitialSyncSize> {
  const services: Array<Service<unknown>> = [];
  const dir = mkdtempSync(join(tmpdir(), 'syncline-bench-s1-'));
  try {
    const secret = randomBytes(32).toString('hex');
    const seedCap = Math.max(60_000, size.rows / 2);
    let t0 = performance.now();
    const syncline = await startService<{ url: string }>(
      {
        argv: tsNode('./sync-server.ts'),
        env: {
          BENCH_STORE: 'sqlite',
          BENCH_SQLITE_PATH: join(dir, 'server.db'),
          BENCH_SECRET: secret,
          BENCH_SEED_ROWS: String(size.rows),
        },
      },
      seedCap,
    );
    services.push(syncline);
    const seedMs: Record<string, number> = { syncline: performance.now() - t0 };
    t0 = performance.now();
    const fixture = await startService<{ url: string }>(
      { argv: tsNode('./fixture-server.ts'), env: { BENCH_ROWS: String(size.rows) } },
      seedCap,
    );
    services.push(fixture);
    seedMs.fixture = performance.now() - t0;
    let pouchUrl = '';
    if (peers) {
      const pouch = await startService<{ url: string; seedMs: number }>(
        {
          argv: [process.execPath, `${PEERS_DIR}pouchdb-server.mjs`],
          cwd: PEERS_DIR,
          env: { BENCH_ROWS: String(size.rows) },
        },
        seedCap * 4,
      );
      services.push(pouch);
      seedMs.pouchdb = pouch.info.seedMs;
      pouchUrl = pouch.info.url;
    }
    log(
      `S1 ${size.rows.toLocaleString('en')} rows: servers seeded (${JSON.stringify(Object.fromEntries(Object.entries(seedMs).map(([k, v]) => [k, Math.round(v)])))} ms)`,
    );
    // Let the seeding settle (LevelDB compacts in the background after a bulk load) before the
    // first client runs.
    await new Promise((r) => setTimeout(r, SETTLE_MS));
    const urls: SyncUrls = {
      syncline: syncline.info.url,
      token: await signDevToken(secret, 'u1', 24 * 3600),
      fixture: fixture.info.url,
      pouchdb: pouchUrl,
    };
    const who = initialSyncContenders.filter((c) => peers || c.kind !== 'peer');
    const contenders = await runInterleaved<SyncUrls, SyncResult>(who, urls, {
      reps,
      capMs: size.capMs,
      check: (r) => (r.rows === size.rows ? null : `synced ${r.rows} of ${size.rows} rows`),
      log,
    });
    return { rows: size.rows, capMs: size.capMs, seedMs, contenders };
  } finally {
    for (const s of services.reverse()) await s.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}
