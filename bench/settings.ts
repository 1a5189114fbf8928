/**
 * What `npm run bench` measures, by mode: `--quick` (one repetition, 100k rows, short caps: under
 * 3 minutes on a 2-core machine, not counting the peers' first install) or full (3 interleaved
 * repetitions, 100k and 1M rows). `--only=s1,s2,…`, `--rows=N`, `--writes=N` (singles; bulk is 10×), `--reps=N`,
 * `--no-peers` and `--out=DIR` narrow a run (the
 * smoke test uses them). Env: DATABASE_URL for S3 on PostgreSQL.
 */
export type Scenario = 's1' | 's2' | 's3' | 's4';

export interface Settings {
  mode: 'quick' | 'full';
  scenarios: readonly Scenario[];
  /** S1 data set sizes, and the time cap of one client run at each size (ms). */
  s1: Array<{ rows: number; capMs: number }>;
  /** Repetitions of every S1/S2 run, interleaved across contenders. */
  reps: number;
  s2: { singles: number; bulk: number; capMs: number };
  s3: {
    clients: number;
    batches: number;
    warmup: number;
    batchSize: number;
    updateFraction: number;
    capMs: number;
  };
  /** S4 (realtime fan-out): client counts. */
  s4: { clients: readonly number[]; capMs: number };
  /** Run the peers (RxDB, PouchDB, WatermelonDB); `--no-peers` leaves them out (the smoke test). */
  peers: boolean;
  outDir: string;
  dbUrl: string;
}

export function parseSettings(argv: readonly string[]): Settings {
  const flag = (name: string) => argv.find((a) => a === `--${name}` || a.startsWith(`--${name}=`));
  const value = (name: string) => flag(name)?.split('=')[1];
  const quick = flag('quick') !== undefined;
  const only = value('only')?.split(',') as Scenario[] | undefined;
  const rows = value('rows');
  const settings: Settings = quick
    ? {
        mode: 'quick',
        scenarios: ['s1', 's2', 's3', 's4'],
        s1: [{ rows: 100_000, capMs: 40_000 }],
        reps: 1,
        s2: { singles: 1000, bulk: 10_000, capMs: 30_000 },
        s3: { clients: 4, batches: 4, warmup: 1, batchSize: 500, updateFraction: 0.2, capMs: 60_000 },
        s4: { clients: [1, 1000], capMs: 60_000 },
        peers: true,
        outDir: new URL('./results/', import.meta.url).pathname,
        dbUrl: '',
      }
    : {
        mode: 'full',
        scenarios: ['s1', 's2', 's3', 's4'],
        s1: [
          { rows: 100_000, capMs: 180_000 },
          { rows: 1_000_000, capMs: 240_000 },
        ],
        reps: 3,
        s2: { singles: 1000, bulk: 10_000, capMs: 120_000 },
        s3: { clients: 8, batches: 10, warmup: 2, batchSize: 500, updateFraction: 0.2, capMs: 300_000 },
        s4: { clients: [1, 1000], capMs: 300_000 },
        peers: true,
        outDir: new URL('./results/', import.meta.url).pathname,
        dbUrl: '',
      };
  if (only) settings.scenarios = only;
  if (flag('no-peers')) settings.peers = false;
  if (rows) settings.s1 = [{ rows: Number(rows), capMs: settings.s1[0]!.capMs }];
  const reps = value('reps');
  if (reps) settings.reps = Number(reps);
  const singles = value('writes');
  if (singles) settings.s2 = { ...settings.s2, singles: Number(singles), bulk: Number(singles) * 10 };
  const out = value('out');
  if (out) settings.outDir = out.endsWith('/') ? out : `${out}/`;
  settings.dbUrl =
    process.env.DATABASE_URL ?? process.env.TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
  return settings;
}
