/**
 * Issue 10, done-when 2, shared by both stores: clients A and B write, the server's database is
 * restored from an earlier backup, a fresh client C writes; then every client must end equal to
 * the server — records changed between backup and restore included — and the edits A and B made
 * offline before the restore must be pushed, not lost.
 *
 * Timeline (versions on the server; "lost" = written after the backup, gone after the restore):
 * 1. A inserts notes a1, a2 and counter k1; B inserts note b1. Both sync. — backup —
 * 2. A updates a1 and k1, deletes a2, inserts a3 (all lost); A and B sync, so B's cursor and
 *    A's acknowledgements point into the lost history.
 * 3. Offline, before the restore: A updates k1 (last-write-wins) and inserts a4; B updates b1
 *    (unchanged since the backup, so its base is still the server's) and inserts b3.
 * 4. Restore. C inserts enough notes that the server's counter passes every old cursor.
 * 5. A and B come back online; everyone syncs until quiet.
 *
 * B never pushed after the backup, so the server still knows its last seq and answers no
 * seq_gap: only restore detection (SQLite) or the generation bump (PostgreSQL) resets B. A's
 * acknowledged seqs are lost too, so A is also told by seq_gap.
 */
import { join } from 'node:path';
import { createClient, fetchTransport, type Transport } from '@syncline/client';
import { manualNetwork } from '@syncline/client/testing';
import type { ServerStore } from '@syncline/server';
import { signDevToken } from '@syncline/server';
import { createSqliteLocalStore } from '@syncline/store-sqlite';
import { expect } from 'vitest';
import { e2eSchema } from './schema.ts';
import { TEST_SECRET } from './server.ts';

/** What the scenario needs from a store under test. */
export interface RestoreHarness {
  /** Starts the sync server on the current database; resolves with its /sync URL and its store. */
  start(): Promise<{ url: string; store: ServerStore; close(): Promise<void> }>;
  /** Takes a backup of the database (the server is running). */
  backup(): Promise<void>;
  /** With the server stopped: replaces the database by the backup (and bumps the generation if the store needs it). */
  restore(): Promise<void>;
}

const COLUMNS = { notes: ['ownerId', 'title', 'n'], counters: ['ownerId', 'value'] } as const;
type Name = keyof typeof COLUMNS;
const NAMES = Object.keys(COLUMNS) as Name[];
const snake = (s: string) => s.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`);
type Row = Record<string, unknown>;

function normalise(name: Name, rows: Row[]): Row[] {
  return rows
    .map((row) =>
      Object.fromEntries(
        ['id', ...COLUMNS[name]].map((c) => [c, c === 'n' || c === 'value' ? Number(row[c]) : row[c]]),
      ),
    )
    .sort((x, y) => (String(x.id) < String(y.id) ? -1 : String(x.id) > String(y.id) ? 1 : 0));
}

export async function runRestoreScenario(h: RestoreHarness, dir: string): Promise<void> {
  let server = await h.start();
  // One transport per client that follows the server to its new port after the restart.
  let base = server.url;
  const transport: Transport = { request: (path, init) => fetchTransport(base).request(path, init) };
  const token = await signDevToken(TEST_SECRET, 'alice', 3600);
  let ids = 0;
  const make = (name: string, online = true) => {
    const network = manualNetwork(online);
    const client = createClient({
      schema: e2eSchema,
      transport,
      store: createSqliteLocalStore({ path: join(dir, `${name}.db`) }),
      auth: { getToken: () => token },
      network,
      pushDebounceMs: 0,
      ids: () => `${name}-${++ids}`,
    });
    const resets: string[] = [];
    const rejected: string[] = [];
    client.on('reset', (r) => resets.push(r.collection));
    client.on('rejected', (r) => rejected.push(r.id));
    return Object.assign(client, { network, resets, rejected });
  };
  const a = make('a');
  const b = make('b');
  const clients = [a, b];
  try {
    await Promise.all(clients.map((c) => c.ready()));
    // 1. Before the backup.
    const a1 = await a.db.notes.insert({ id: 'a1', ownerId: 'alice', title: 'a1 v1', n: 1 });
    const a2 = await a.db.notes.insert({ id: 'a2', ownerId: 'alice', title: 'a2 v1', n: 2 });
    const k1 = await a.db.counters.insert({ id: 'k1', ownerId: 'alice', value: 1 });
    const b1 = await b.db.notes.insert({ id: 'b1', ownerId: 'alice', title: 'b1 v1', n: 3 });
    for (const c of [a, b, a, b]) await c.sync();
    await h.backup();

    // 2. Lost history: A writes, both sync.
    await a.db.notes.update(a1.id, { title: 'a1 lost', n: 11 });
    await a.db.counters.update(k1.id, { value: 11 });
    await a.db.notes.delete(a2.id);
    await a.db.notes.insert({ id: 'a3', ownerId: 'alice', title: 'a3 lost', n: 13 });
    await a.sync();
    // PostgreSQL delivers once no older transaction of the cluster is open (decision 0005).
    for (const deadline = Date.now() + 10_000; Date.now() < deadline; ) {
      await b.sync();
      if ((await b.db.notes.get('a3')) !== null) break;
    }
    expect((await b.db.notes.get(a1.id))?.title).toBe('a1 lost');

    // 3. Offline edits made before the restore.
    for (const c of clients) c.network.set(false);
    await a.db.counters.update(k1.id, { value: 21 });
    await a.db.notes.insert({ id: 'a4', ownerId: 'alice', title: 'a4 pending', n: 14 });
    await b.db.notes.update(b1.id, { title: 'b1 pending' });
    await b.db.notes.insert({ id: 'b3', ownerId: 'alice', title: 'b3 pending', n: 23 });

    // 4. Restore; a fresh client writes more than the lost history held.
    await server.close();
    await h.restore();
    server = await h.start();
    base = server.url;
    const c = make('c');
    clients.push(c);
    await c.ready();
    for (let i = 0; i < 8; i++)
      await c.db.notes.insert({ id: `c${i}`, ownerId: 'alice', title: `c${i}`, n: 30 + i });
    await c.sync();

    // 5. Everyone back; sync until quiet.
    for (const cl of clients) cl.network.set(true);
    const serverState = async () => {
      const out: Record<string, Row[]> = {};
      for (const name of NAMES) {
        const cols = COLUMNS[name].map((col) => `${snake(col)} AS "${col}"`).join(', ');
        const rows = await server.store.read((db) =>
          db.all<Row>(`SELECT id, ${cols} FROM ${name} WHERE deleted_at IS NULL`),
        );
        out[name] = normalise(name, rows);
      }
      return out;
    };
    const clientState = async (cl: (typeof clients)[0]) => {
      const out: Record<string, Row[]> = {};
      for (const name of NAMES) out[name] = normalise(name, (await cl.db[name].find({})) as Row[]);
      return out;
    };
    let expected = await serverState();
    for (const deadline = Date.now() + 15_000; Date.now() < deadline; ) {
      for (const cl of clients) await cl.sync();
      expected = await serverState();
      const states = await Promise.all(clients.map(clientState));
      if (
        clients.every((cl) => cl.status.pending === 0) &&
        states.every((s) => JSON.stringify(s) === JSON.stringify(expected))
      )
        break;
    }
    for (const cl of clients) {
      expect(cl.status.pending).toBe(0);
      expect(await clientState(cl)).toEqual(expected);
    }
    // The server's state won where the backup and the lost history differ…
    const note = (id: string) => expected.notes!.find((r) => r.id === id);
    expect(note('a1')).toMatchObject({ title: 'a1 v1', n: 1 });
    expect(note('a2')).toMatchObject({ title: 'a2 v1' }); // deleted in the lost history only
    expect(note('a3')).toBeUndefined(); // inserted in the lost history only
    // …and every offline edit made before the restore was pushed and applied.
    expect(expected.counters!.find((r) => r.id === 'k1')).toMatchObject({ value: 21 });
    expect(note('a4')).toMatchObject({ title: 'a4 pending' });
    expect(note('b1')).toMatchObject({ title: 'b1 pending' });
    expect(note('b3')).toMatchObject({ title: 'b3 pending' });
    expect(expected.notes!.map((r) => r.id)).toEqual([
      'a1',
      'a2',
      'a4',
      'b1',
      'b3',
      'c0',
      'c1',
      'c2',
      'c3',
      'c4',
      'c5',
      'c6',
      'c7',
    ]);
    for (const cl of clients) expect(cl.rejected).toEqual([]);
    // B was reset by the restore itself (no seq_gap told it); C, fresh after the restore, never.
    expect(b.resets.sort()).toEqual(['cards', 'counters', 'notes']);
    expect(c.resets).toEqual([]);
    void a2;
  } finally {
    for (const cl of clients) await cl.close().catch(() => {});
    await server.close().catch(() => {});
  }
}
