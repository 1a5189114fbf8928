import { randomBytes } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createClient } from '@syncline/client';
import { manualNetwork } from '@syncline/client/testing';
import { seededRandom } from '@syncline/core/internal';
import { signDevToken } from '@syncline/server';
import { createSqliteLocalStore } from '@syncline/store-sqlite';
import pg from 'pg';
import { afterAll, describe, expect, test } from 'vitest';
import { e2eSchema } from './helpers/schema.ts';
import { type CliChild, serveCli, stopCli, TEST_METRICS_TOKEN } from './helpers/serve-cli.ts';
import { TEST_SECRET, tempDir } from './helpers/server.ts';

const url = process.env.TEST_DATABASE_URL;
const root = fileURLToPath(new URL('..', import.meta.url));
const schemaModule = join(root, 'test/helpers/schema.ts');

/** The columns compared per collection (server column names are their snake_case). */
const COLUMNS = {
  notes: ['ownerId', 'title', 'body', 'n'],
  cards: ['ownerId', 'title', 'color'],
  counters: ['ownerId', 'value'],
} as const;
type Name = keyof typeof COLUMNS;
const NAMES = Object.keys(COLUMNS) as Name[];
const snake = (s: string) => s.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`);

type State = Record<Name, Array<Record<string, unknown>>>;

const title = url
  ? 'two server processes on one PostgreSQL'
  : 'two server processes on one PostgreSQL — SKIPPED: set TEST_DATABASE_URL=postgres://postgres@127.0.0.1:5432/test';

describe.skipIf(!url)(title, () => {
  const dir = tempDir('syncline-pg2-');
  const pgSchema = `sl_two_${randomBytes(5).toString('hex')}`;
  const children: CliChild[] = [];
  const closers: Array<() => Promise<void>> = [];
  afterAll(async () => {
    for (const close of closers.splice(0)) await close().catch(() => {});
    for (const child of children) await stopCli(child);
    const admin = new pg.Client({ connectionString: url });
    await admin.connect();
    await admin.query(`DROP SCHEMA IF EXISTS ${pgSchema} CASCADE`);
    await admin.end();
    dir.cleanup();
  });

  test('1,000 mixed writes through two servers: both clients converge to the server rows', async () => {
    const seed = Number(process.env.SYNCLINE_SEED ?? 20261201);
    const rnd = seededRandom(seed);
    // The CLI loads `schema` and `rules` exports; the shared test schema names them differently.
    const module = join(dir.path, 'schema.ts');
    writeFileSync(
      module,
      `export { e2eSchema as schema, e2eRules as rules } from ${JSON.stringify(schemaModule)};\n`,
    );
    // Both start at once: migration on a fresh PostgreSQL schema must take turns, not race.
    // One server selects the schema with ?schema=, the other with --pg-schema.
    const viaQuery = new URL(url!);
    viaQuery.searchParams.set('schema', pgSchema);
    const servers = await Promise.all([
      serveCli(['--schema', module, '--db', viaQuery.href, '--port', '0'], dir.path),
      serveCli(['--schema', module, '--db', url!, '--pg-schema', pgSchema, '--port', '0'], dir.path),
    ]);
    children.push(...servers.map((s) => s.child));
    for (const s of servers) expect(s.output()).toContain(`PostgreSQL schema ${pgSchema}`);

    const token = await signDevToken(TEST_SECRET, 'alice', 3600);
    const clients = servers.map((s, i) => {
      const client = createClient({
        schema: e2eSchema,
        url: `${s.url}/sync`,
        store: createSqliteLocalStore({ path: join(dir.path, `client-${i}.db`) }),
        auth: { getToken: () => token },
        network: manualNetwork(true),
        random: seededRandom(seed + 1 + i),
        pushDebounceMs: 0,
      });
      closers.push(() => client.close());
      return client;
    });
    const [a, b] = clients as [(typeof clients)[0], (typeof clients)[0]];
    await Promise.all(clients.map((c) => c.ready()));

    const pick = <T>(items: readonly T[]): T => items[Math.floor(rnd() * items.length)]!;
    const counts = { insert: 0, update: 0, delete: 0 };
    for (let i = 0; i < 1000; i++) {
      const client = rnd() < 0.5 ? a : b;
      const name = pick(NAMES);
      const rows = (await client.db[name].find({})) as Array<{ id: string }>;
      const r = rnd();
      if (rows.length < 3 || r < 0.4) {
        const data =
          name === 'notes'
            ? { ownerId: 'alice', title: `t${i}`, n: i }
            : name === 'cards'
              ? { ownerId: 'alice', title: `c${i}` }
              : { ownerId: 'alice', value: i };
        await client.db[name].insert(data as never);
        counts.insert++;
      } else if (r < 0.8) {
        const patch =
          name === 'notes'
            ? { body: `b${i}`, n: i }
            : name === 'cards'
              ? rnd() < 0.5
                ? { color: `k${i}` }
                : { title: `c${i}` }
              : { value: i };
        await client.db[name].update(pick(rows).id, patch as never);
        counts.update++;
      } else {
        await client.db[name].delete(pick(rows).id);
        counts.delete++;
      }
      // Sync now and then, both at once, so each client edits rows the other wrote, conflicts
      // happen, and the two servers write concurrently.
      if (i % 40 === 39) await Promise.all([a.sync(), b.sync()]);
    }
    expect(Math.min(counts.insert, counts.update, counts.delete)).toBeGreaterThan(100);

    const admin = new pg.Client({ connectionString: url, options: `-c search_path=${pgSchema}` });
    await admin.connect();
    closers.push(() => admin.end());
    const serverState = async (): Promise<State> => {
      const out = {} as State;
      for (const name of NAMES) {
        // BIGINT arrives as text from a plain pg client; the client holds numbers.
        const cols = COLUMNS[name]
          .map((c) =>
            c === 'n' || c === 'value' ? `${snake(c)}::float8 AS "${c}"` : `${snake(c)} AS "${c}"`,
          )
          .join(', ');
        const { rows } = await admin.query(
          `SELECT id, ${cols} FROM ${name} WHERE deleted_at IS NULL ORDER BY id COLLATE "C"`,
        );
        out[name] = rows as Array<Record<string, unknown>>;
      }
      return out;
    };
    const clientState = async (client: typeof a): Promise<State> => {
      const out = {} as State;
      for (const name of NAMES) {
        const rows = (await client.db[name].find({})) as Array<Record<string, unknown>>;
        out[name] = rows
          .map((row) => Object.fromEntries(['id', ...COLUMNS[name]].map((c) => [c, row[c]])))
          .sort((x, y) => (String(x.id) < String(y.id) ? -1 : 1));
      }
      return out;
    };

    // Sync until quiet: nothing pending on either client and both equal the server's rows. A
    // round is real work (push + pull over HTTP); the deadline only bounds a broken run.
    const deadline = Date.now() + 30_000;
    let rounds = 0;
    let expected: State;
    for (;;) {
      await Promise.all([a.sync(), b.sync()]);
      rounds++;
      expected = await serverState();
      const [sa, sb] = await Promise.all([clientState(a), clientState(b)]);
      const quiet =
        a.status.pending === 0 &&
        b.status.pending === 0 &&
        JSON.stringify(sa) === JSON.stringify(expected) &&
        JSON.stringify(sb) === JSON.stringify(expected);
      if (quiet || Date.now() > deadline) {
        expect({ rounds, pending: [a.status.pending, b.status.pending] }).toMatchObject({ pending: [0, 0] });
        expect(sa).toEqual(expected);
        expect(sb).toEqual(expected);
        break;
      }
    }
    const total = NAMES.reduce((sum, n) => sum + expected[n].length, 0);
    expect(total).toBeGreaterThan(50);

    // Both servers really served: each counted pushes on its own /metrics.
    for (const s of servers) {
      const metrics = await (
        await fetch(`${s.url}/metrics`, { headers: { authorization: `Bearer ${TEST_METRICS_TOKEN}` } })
      ).text();
      expect(metrics).toMatch(
        /^syncline_http_requests_total\{route="\/sync\/push",status="200"\} [1-9]\d*$/m,
      );
      expect(metrics).toMatch(/^syncline_watermark_lag_xids \d+$/m);
    }
    for (const close of closers.splice(0)) await close();
    for (const child of children) expect(await stopCli(child)).toBe(0);
  });
});
