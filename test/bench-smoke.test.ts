/**
 * Smoke test of `npm run bench`: a tiny run (S1 on 2,000 rows and S2 on 20 + 200 writes, Syncline
 * and the raw baselines only, no peers to install) leaves a well-formed results file whose
 * figures are real: every row synced, every write counted, the server's share below the whole.
 * Also checks that the peers' copy of the bench rows equals bench/rows.ts, and runs a tiny S4
 * (the realtime fan-out bench): its full clients see every write, and the S4 table shows them.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, expect, test } from 'vitest';
import type { RealtimeReport } from '../bench/realtime.ts';
import { realtimeTable } from '../bench/report.ts';
import { benchRow } from '../bench/rows.ts';

const out = mkdtempSync(join(tmpdir(), 'bench-smoke-'));
afterAll(() => rmSync(out, { recursive: true, force: true }));

type Run = { status: string; result?: Record<string, unknown> };
type Contender = { name: string; runs: Run[] };

test('a tiny --quick run writes a results file with S1 and S2 for Syncline and the baselines', async () => {
  await promisify(execFile)(
    process.execPath,
    [
      '--conditions=@syncline/source',
      '--import',
      'tsx',
      'bench/run.ts',
      '--quick',
      '--only=s1,s2',
      '--rows=2000',
      '--writes=20',
      '--no-peers',
      `--out=${out}`,
    ],
    { timeout: 60_000 },
  );
  const results = JSON.parse(readFileSync(join(out, 'quick.json'), 'utf8')) as {
    s1: Array<{ rows: number; contenders: Contender[] }>;
    s2: { singles: number; bulk: number; contenders: Contender[] };
  };
  const s1 = results.s1[0]!;
  expect(s1.rows).toBe(2000);
  expect(s1.contenders.map((c) => c.name)).toEqual([
    'syncline',
    'syncline-gzip',
    'syncline-wire',
    'raw-insert',
    'raw-transfer',
  ]);
  for (const c of s1.contenders) {
    expect(c.runs[0]?.status, c.name).toBe('ok');
    expect(c.runs[0]!.result!.rows, c.name).toBe(2000);
    expect(c.runs[0]!.result!.peakRssBytes, c.name).toBeGreaterThan(10 * 1024 * 1024);
  }
  const result = (name: string) => s1.contenders.find((c) => c.name === name)!.runs[0]!.result!;
  const ms = (name: string) => result(name).ms as number;
  expect(ms('syncline-wire')).toBeLessThan(ms('syncline'));
  // Bytes on the wire: the compressed answers are several times smaller than the plain ones.
  const wire = (name: string) => result(name).wireBytes as number;
  expect(wire('syncline-gzip') * 3).toBeLessThan(wire('syncline'));
  expect(wire('syncline-wire')).toBeGreaterThan(2000 * 100);
  expect(results.s2.contenders.map((c) => c.name)).toEqual(['syncline', 'raw']);
  for (const c of results.s2.contenders) {
    const r = c.runs[0]!.result as {
      singles: { count: number; p50: number; p99: number };
      bulk: { rows: number; ms: number };
    };
    expect(r.singles.count).toBe(20);
    expect(r.singles.p50).toBeGreaterThan(0);
    expect(r.singles.p99).toBeGreaterThanOrEqual(r.singles.p50);
    expect(r.bulk.rows).toBe(200);
  }
  expect(readFileSync(join(out, 'quick.svg'), 'utf8')).toContain('<svg');
  expect(readFileSync(join(out, 'quick.md'), 'utf8')).toContain('S1 — initial sync of 2,000 rows');
}, 60_000);

test("the peers' rows (bench/peers/rows.mjs) are bench/rows.ts's", async () => {
  const path = new URL('../bench/peers/rows.mjs', import.meta.url).href;
  const peers = (await import(path)) as { benchRow: typeof benchRow };
  for (const n of [0, 1, 7, 12_345, 999_999]) expect(peers.benchRow(n)).toEqual(benchRow(n));
});

test("a tiny S4: full clients time A's insert → B's watch, alone and among the sockets; the table shows both", async () => {
  const { stdout } = await promisify(execFile)(
    process.execPath,
    ['--conditions=@syncline/source', '--import', 'tsx', 'bench/realtime-fanout.ts'],
    {
      timeout: 90_000,
      env: {
        ...process.env,
        DATABASE_URL: '',
        BENCH_LISTS: '2',
        BENCH_LIST_SIZE: '3',
        BENCH_SECONDS: '1',
        BENCH_IDLE: '10',
        BENCH_FULL_WRITES: '5',
      },
    },
  );
  const report = JSON.parse(stdout.slice(stdout.indexOf('{'))) as RealtimeReport;
  expect(report.full!.one).toMatchObject({ writes: 5, missed: 0 });
  expect(report.full!.one.visible).toMatch(/^p50 [\d.]+ ms \/ p99 [\d.]+ ms$/);
  expect(report.full!.load.clients).toBe(6);
  expect(report.full!.load.missed).toBe(0);
  expect(report.full!.load.writes).toBeGreaterThan(0);
  expect(report.load.sockets).toBe(4);
  const table = realtimeTable({
    available: true,
    clients: [1, 6],
    outcome: { status: 'ok', result: report, wallMs: 1 },
  }).join('\n');
  expect(table).toContain("| 1 | full clients: A's insert() → B's watch | — |");
  expect(table).toContain('| 6 | the same, while 4 protocol-level sockets load the server | — |');
  expect(table).toContain('| 1 | protocol-level socket: HTTP push → poke, → row in the poked pull |');
}, 90_000);
