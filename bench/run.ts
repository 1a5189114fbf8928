/**
 * `npm run bench` (full) and `npm run bench -- --quick`: Syncline side by side with the raw
 * limits of this machine and with RxDB, PouchDB and WatermelonDB, in one run —
 * S1 initial sync, S2 local writes, S3 server push throughput, S4 write → visible latency.
 * Prints the tables and writes `bench/results/<mode>.json`, `<mode>.md` and `<mode>.svg`.
 * See settings.ts for the flags, BENCHMARKS.md for the method.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { drawChart, type Panel } from './chart-svg.ts';
import { stopAllChildren } from './child.ts';
import { type InitialSyncSize, runInitialSync, type SyncResult } from './initial-sync.ts';
import { medianOf } from './interleave.ts';
import { type LocalWrites, runLocalWrites } from './local-writes.ts';
import { machineInfo } from './machine.ts';
import { ensurePeersInstalled } from './peers-install.ts';
import { postgresAnswers, pushToCeiling, pushToSyncline } from './push-scenario.ts';
import { type Realtime, runRealtime } from './realtime.ts';
import {
  failure,
  initialSyncTable,
  localWritesTable,
  losses,
  type PushEntry,
  pushTable,
  realtimeTable,
} from './report.ts';
import { parseSettings } from './settings.ts';

const settings = parseSettings(process.argv.slice(2));
const log = (line: string) => console.log(line);
const has = (s: string) => settings.scenarios.includes(s as never);

async function capped<T>(work: Promise<T>, capMs: number): Promise<T | 'dnf'> {
  let timer: NodeJS.Timeout | undefined;
  const cap = new Promise<'dnf'>((r) => {
    timer = setTimeout(() => r('dnf'), capMs);
  });
  try {
    return await Promise.race([work, cap]);
  } finally {
    clearTimeout(timer);
  }
}

async function pushEntry(
  name: string,
  label: string,
  work: () => Promise<{ run: PushEntry['outcome'] & { status: 'ok' } }>,
): Promise<PushEntry> {
  try {
    const r = await capped(work(), settings.s3.capMs);
    if (r === 'dnf')
      return { name, label, outcome: { status: 'dnf', why: `cap ${settings.s3.capMs / 1000} s` } };
    return { name, label, outcome: r.run };
  } catch (error) {
    return {
      name,
      label,
      outcome: { status: 'failed', why: String((error as Error).message ?? error).slice(0, 200) },
    };
  }
}

async function runPush(pgVersion: string | null): Promise<PushEntry[]> {
  const plan = { ...settings.s3 };
  const entries: PushEntry[] = [];
  log('S3 push: Syncline on SQLite');
  entries.push(
    await pushEntry('sqlite', 'Syncline server on SQLite (WAL, NORMAL)', async () => {
      const r = await pushToSyncline('sqlite', plan);
      return {
        run: {
          status: 'ok',
          run: r.run,
          ...(r.serverCpuMs === undefined ? {} : { serverCpuMs: r.serverCpuMs }),
        },
      };
    }),
  );
  let baseline: PushEntry | null = null;
  if (pgVersion) {
    log('S3 push: Syncline on PostgreSQL');
    entries.push(
      await pushEntry('postgres', `Syncline server on PostgreSQL ${pgVersion.split(' ')[0]}`, async () => {
        const r = await pushToSyncline('postgres', plan, { dbUrl: settings.dbUrl, baseline: true });
        if (r.baseline)
          baseline = {
            name: 'pg-insert',
            label: 'plain multi-row INSERT through pg, same rows (baseline)',
            outcome: { status: 'ok', run: r.baseline },
          };
        return {
          run: {
            status: 'ok',
            run: r.run,
            ...(r.serverCpuMs === undefined ? {} : { serverCpuMs: r.serverCpuMs }),
          },
        };
      }),
    );
  } else {
    entries.push({
      name: 'postgres',
      label: 'Syncline server on PostgreSQL',
      outcome: {
        status: 'skipped',
        why: `no PostgreSQL answers at ${settings.dbUrl.replace(/:[^:@/]*@/, ':***@')}`,
      },
    });
  }
  if (baseline) entries.push(baseline);
  log('S3 push: in-memory protocol ceiling');
  entries.push(
    await pushEntry('ceiling', 'in-memory server of the same protocol (ceiling)', async () => ({
      run: { status: 'ok', run: (await pushToCeiling(plan)).run },
    })),
  );
  return entries;
}

function chartOf(s1: readonly InitialSyncSize[], s2: LocalWrites | null, caption: string): string {
  const panels: Panel[] = [];
  for (const size of s1)
    panels.push({
      title: `S1 initial sync of ${size.rows.toLocaleString('en')} rows — rows/s until all are queryable (log scale)`,
      unit: 'rows/s',
      bars: size.contenders.map((c) => {
        const t = medianOf<SyncResult>(c.runs, (r) => r.ms);
        return {
          label: c.label,
          kind: c.kind,
          value: t === null ? null : size.rows / (t / 1000),
          note: failure(c.runs),
        };
      }),
    });
  if (s2)
    panels.push({
      title: `S2 ${s2.bulk.toLocaleString('en')} local writes, fastest API — rows/s (log scale)`,
      unit: 'rows/s',
      bars: s2.contenders.map((c) => {
        const t = medianOf(c.runs, (r) => r.bulk.ms);
        return {
          label: c.label,
          kind: c.kind,
          value: t === null ? null : s2.bulk / (t / 1000),
          note: failure(c.runs),
        };
      }),
    });
  return drawChart(panels, caption);
}

try {
  const installMs = settings.peers && (has('s1') || has('s2')) ? ensurePeersInstalled() : 0;
  const pgVersion = has('s3') ? await postgresAnswers(settings.dbUrl) : null;
  const machine = machineInfo(pgVersion);
  const startedAt = new Date().toISOString();
  const t0 = performance.now();
  log(
    `bench (${settings.mode}): ${machine.cpus}× ${machine.cpu}, Node ${machine.node}, load ${machine.loadBefore}`,
  );
  if ((os.loadavg()[0] ?? 0) > 1)
    log(`bench: the machine is busy (load average ${machine.loadBefore}): absolute figures will be noisy`);

  const s1: InitialSyncSize[] = [];
  if (has('s1'))
    for (const size of settings.s1) s1.push(await runInitialSync(size, settings.reps, log, settings.peers));
  let s2: LocalWrites | null = null;
  if (has('s2')) {
    log('S2 local writes');
    s2 = await runLocalWrites(settings.s2, settings.reps, log, settings.peers);
  }
  const s3 = has('s3') ? await runPush(pgVersion) : null;
  let s4: Realtime | null = null;
  if (has('s4')) {
    log('S4 realtime');
    s4 = await runRealtime({
      clients: settings.s4.clients,
      capMs: settings.s4.capMs,
      quick: settings.mode === 'quick',
    });
  }
  const runMs = performance.now() - t0;
  const loadAfter = os
    .loadavg()
    .map((x) => x.toFixed(2))
    .join(' ');

  const tables: string[] = [];
  for (const size of s1) tables.push(...initialSyncTable(size), '');
  if (s2) tables.push(...localWritesTable(s2), '');
  if (s3) tables.push(...pushTable(s3, settings.s3), '');
  if (s4) tables.push(...realtimeTable(s4), '');
  const lost = losses(s1, s2);
  tables.push(
    s1.length === 0 && !s2
      ? '**Where Syncline loses:** S1 and S2 (the contests against the peers) were not run.'
      : lost.length
        ? `**Where Syncline loses:** ${lost.join('; ')}.`
        : settings.peers
          ? '**Where Syncline loses:** nowhere in this run.'
          : '**Where Syncline loses:** no peers ran (`--no-peers`): only the limits are compared.',
    '',
    `Run: ${settings.mode}, ${startedAt}, ${Math.round(runMs / 1000)} s (peers' install ${Math.round(installMs / 1000)} s, not counted); load average before ${machine.loadBefore}, after ${loadAfter}; ${machine.cpus} cores.`,
  );
  const markdown = tables.join('\n');
  console.log(`\n${markdown}`);

  mkdirSync(settings.outDir, { recursive: true });
  const base = `${settings.outDir}${settings.mode}`;
  const results = {
    mode: settings.mode,
    startedAt,
    runMs,
    installMs,
    machine: { ...machine, loadAfter },
    settings,
    s1,
    s2,
    s3,
    s4,
    losses: lost,
  };
  writeFileSync(`${base}.json`, `${JSON.stringify(results, null, 2)}\n`);
  writeFileSync(`${base}.md`, `${markdown}\n`);
  if (s1.length || s2)
    writeFileSync(
      `${base}.svg`,
      chartOf(
        s1,
        s2,
        `npm run bench${settings.mode === 'quick' ? ' -- --quick' : ''}, ${startedAt.slice(0, 16)}Z, ${machine.cpus} cores, load ${machine.loadBefore} → ${loadAfter}`,
      ),
    );
  console.log(`\nwrote ${base}.json, .md${s1.length || s2 ? ', .svg' : ''}`);
} finally {
  stopAllChildren();
}
