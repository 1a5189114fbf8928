/**
 * Who runs in S1 and S2: Syncline, the raw baselines and the peers, each as a command for a
 * fresh child process. `kind` decides how the report compares them: a `baseline` is the limit
 * on this machine, a `peer` another library, `share` a part of Syncline's own time, `variant`
 * Syncline configured otherwise (compressed answers).
 */
import type { ChildCommand } from './child.ts';
import { tsNode } from './child.ts';
import { PEERS_DIR } from './peers-install.ts';

export type ContenderKind = 'syncline' | 'share' | 'variant' | 'baseline' | 'peer';

export interface Contender<C> {
  name: string;
  label: string;
  kind: ContenderKind;
  /** Durability and backend, stated in the report. */
  notes: string;
  command(ctx: C): ChildCommand;
}

export interface SyncUrls {
  syncline: string;
  token: string;
  fixture: string;
  pouchdb: string;
}

const peer = (file: string, args: readonly string[]): ChildCommand => ({
  argv: [process.execPath, `${PEERS_DIR}${file}`, ...args],
  cwd: PEERS_DIR,
});

export const initialSyncContenders: ReadonlyArray<Contender<SyncUrls>> = [
  {
    name: 'syncline',
    label: 'Syncline (SQLite client)',
    kind: 'syncline',
    notes:
      'client: better-sqlite3, WAL, synchronous=NORMAL; server: the Syncline server on SQLite (WAL, NORMAL), pages of 1000',
    command: (u) => ({
      argv: tsNode('./initial-sync-syncline.ts', [u.syncline, 'store']),
      env: { BENCH_TOKEN: u.token },
    }),
  },
  {
    name: 'syncline-gzip',
    label: 'Syncline (SQLite client), gzip answers',
    kind: 'variant',
    notes: "the same client asking for compressed answers, as Node's fetch and browsers do by default",
    command: (u) => ({
      argv: tsNode('./initial-sync-syncline.ts', [u.syncline, 'store-gzip']),
      env: { BENCH_TOKEN: u.token },
    }),
  },
  {
    name: 'syncline-wire',
    label: "Syncline server's share (pull over the wire, nothing stored)",
    kind: 'share',
    notes: 'the same pull requests, answers parsed and dropped',
    command: (u) => ({
      argv: tsNode('./initial-sync-syncline.ts', [u.syncline, 'wire']),
      env: { BENCH_TOKEN: u.token },
    }),
  },
  {
    name: 'raw-insert',
    label: 'raw: HTTP+JSON pages + better-sqlite3 INSERT (limit)',
    kind: 'baseline',
    notes: 'in-memory server, pages of 1000; better-sqlite3 WAL, NORMAL, one transaction per page',
    command: (u) => ({ argv: tsNode('./initial-sync-raw.ts', [u.fixture, 'insert']) }),
  },
  {
    name: 'raw-transfer',
    label: 'raw: HTTP+JSON pages only',
    kind: 'baseline',
    notes: 'in-memory server, pages of 1000, parsed, nothing stored',
    command: (u) => ({ argv: tsNode('./initial-sync-raw.ts', [u.fixture, 'transfer']) }),
  },
  {
    name: 'watermelondb',
    label: 'WatermelonDB 0.28 (SQLite)',
    kind: 'peer',
    notes:
      'better-sqlite3 adapter (the root better-sqlite3), switched to WAL + NORMAL; synchronize() against an in-memory endpoint of its protocol (one answer)',
    command: (u) => peer('watermelondb-client.mjs', ['sync', u.fixture]),
  },
  {
    name: 'rxdb-memory',
    label: 'RxDB 17 (memory storage)',
    kind: 'peer',
    notes:
      'memory storage: nothing durable; replicateRxCollection from an in-memory endpoint, batches of 1000',
    command: (u) => peer('rxdb-client.mjs', ['sync', 'memory', u.fixture]),
  },
  {
    name: 'rxdb-dexie',
    label: 'RxDB 17 (Dexie on fake-indexeddb)',
    kind: 'peer',
    notes: 'Dexie storage on fake-indexeddb (in memory, not durable); same endpoint, batches of 1000',
    command: (u) => peer('rxdb-client.mjs', ['sync', 'dexie', u.fixture]),
  },
  {
    name: 'pouchdb',
    label: 'PouchDB 9 (LevelDB)',
    kind: 'peer',
    notes:
      'pouchdb-node (LevelDB, leveldown defaults: no fsync per write) replicating from express-pouchdb on pouchdb-node, batch_size 1000',
    command: (u) => peer('pouchdb-client.mjs', ['sync', u.pouchdb]),
  },
];

export interface WriteSizes {
  singles: number;
  bulk: number;
}

export const localWriteContenders: ReadonlyArray<Contender<WriteSizes>> = [
  {
    name: 'syncline',
    label: 'Syncline (SQLite client)',
    kind: 'syncline',
    notes: 'insert(), then one insertMany(); better-sqlite3 WAL, NORMAL',
    command: (s) => ({ argv: tsNode('./local-writes-syncline.ts', [String(s.singles), String(s.bulk)]) }),
  },
  {
    name: 'raw',
    label: 'raw better-sqlite3 (limit)',
    kind: 'baseline',
    notes: 'WAL, NORMAL; singles autocommitted, bulk in one transaction',
    command: (s) => ({ argv: tsNode('./local-writes-raw.ts', [String(s.singles), String(s.bulk)]) }),
  },
  {
    name: 'watermelondb',
    label: 'WatermelonDB 0.28 (SQLite)',
    kind: 'peer',
    notes: 'WAL, NORMAL; singles one write() each, bulk one batch()',
    command: (s) => peer('watermelondb-client.mjs', ['writes', String(s.singles), String(s.bulk)]),
  },
  {
    name: 'rxdb-memory',
    label: 'RxDB 17 (memory storage)',
    kind: 'peer',
    notes: 'not durable; insert(), bulkInsert()',
    command: (s) => peer('rxdb-client.mjs', ['writes', 'memory', String(s.singles), String(s.bulk)]),
  },
  {
    name: 'rxdb-dexie',
    label: 'RxDB 17 (Dexie on fake-indexeddb)',
    kind: 'peer',
    notes: 'in memory, not durable; insert(), bulkInsert()',
    command: (s) => peer('rxdb-client.mjs', ['writes', 'dexie', String(s.singles), String(s.bulk)]),
  },
  {
    name: 'pouchdb',
    label: 'PouchDB 9 (LevelDB)',
    kind: 'peer',
    notes: 'leveldown defaults (no fsync per write); put(), bulkDocs()',
    command: (s) => peer('pouchdb-client.mjs', ['writes', String(s.singles), String(s.bulk)]),
  },
];
