/**
 * Seeded randomized test of the xid watermark: writers (the store and plain SQL connections) run
 * overlapping transactions that commit in an order unrelated to their xids, while a puller pages
 * with a tiny limit. At the end the puller's view must equal the table: no change skipped.
 * A failing seed is printed; replay it with SYNCLINE_SEED=<seed> (the interleaving also depends on
 * database timing, so a replay is likely, not certain, to fail the same way).
 * Runs inside postgres-store.test.ts rather than as its own file: test files run in parallel, and
 * its writes would move the watermark under the conformance suite's "position stays put" check.
 * Negative control (checked by hand when this test was written): bounding the read and the short
 * page by `pg_snapshot_xmax` instead of the watermark makes this test fail on every seed tried.
 */
import { randomInt } from 'node:crypto';
import { seededRandom } from '@syncline/core/internal';
import pg from 'pg';
import { afterAll, expect, test } from 'vitest';
import { suiteSchema, suiteScopeColumns } from '../src/stores/conformance/helpers.ts';
import type { PostgresStore } from '../src/stores/postgres/store.ts';
import { createPostgresStore } from '../src/stores/postgres/store.ts';

const seed = Number(process.env.SYNCLINE_SEED ?? randomInt(1, 2 ** 31));

/** Registers the stress scenario against the database at `url` (inside a describe of the caller). */
export function watermarkStressScenario(url: string): void {
  const pgSchema = `sl_stress_${seed}`;
  let store: PostgresStore | undefined;
  const raws: pg.Client[] = [];
  afterAll(async () => {
    await store?.close();
    for (const c of raws) await c.end();
    const admin = new pg.Client({ connectionString: url });
    await admin.connect();
    await admin.query(`DROP SCHEMA IF EXISTS ${pgSchema} CASCADE`);
    await admin.end();
  });

  test(`seed ${seed}: concurrent writers committing out of xid order; the puller misses nothing`, async () => {
    const rand = seededRandom(seed);
    const pick = <T>(xs: readonly T[]) => xs[Math.floor(rand() * xs.length)]!;
    store = createPostgresStore({
      connectionString: url,
      schema: suiteSchema,
      pgSchema,
      scopeColumns: suiteScopeColumns,
      pool: { max: 8 },
    });
    await store.migrate();
    const s = store;
    const ids = Array.from({ length: 12 }, (_, i) => `r${i}`);
    // Interleave without timers: a random number of round trips on this connection.
    const dawdle = async (c: { query(sql: string): Promise<unknown> }) => {
      for (let i = Math.floor(rand() * 4); i > 0; i--) await c.query('SELECT 1');
    };

    const storeWriter = async (rounds: number) => {
      for (let r = 0; r < rounds; r++) {
        const targets = [pick(ids), pick(ids)];
        const title = `s${rand().toString(36).slice(2, 7)}`;
        await s.write(async (tx) => {
          for (const id of targets) {
            const cur = await tx.getRecord('tasks', id);
            await tx.all('SELECT 1');
            if (!cur) await tx.insertRecord('tasks', id, { listId: 'L1', title, done: false });
            else if (cur.record.deletedAt === null && rand() < 0.15) await tx.softDelete('tasks', id);
            else await tx.updateRecord('tasks', id, { title });
          }
        });
      }
    };
    const sqlWriter = async (rounds: number) => {
      const c = new pg.Client({ connectionString: url, options: `-c search_path=${pgSchema}` });
      raws.push(c);
      await c.connect();
      for (let r = 0; r < rounds; r++) {
        const id = pick(ids);
        try {
          await c.query('BEGIN');
          // Take an xid early, then hold it while others commit.
          await c.query('SELECT pg_current_xact_id()');
          await dawdle(c);
          const op = rand();
          if (op < 0.2) await c.query('DELETE FROM tasks WHERE id = $1', [id]);
          else
            await c.query(
              `INSERT INTO tasks (id, list_id, title) VALUES ($1, 'L1', $2)
               ON CONFLICT (id) DO UPDATE SET title = excluded.title, deleted_at = NULL`,
              [id, `q${r}`],
            );
          await dawdle(c);
          await c.query('COMMIT');
        } catch {
          await c.query('ROLLBACK');
        }
      }
    };

    const seen = new Map<string, { version: number; deletedAt: unknown; title: unknown }>();
    let position: string | null = null;
    const pullOnce = async () => {
      for (;;) {
        const res = await s.pull({
          collections: [{ name: 'tasks', position, scope: { kind: 'public' } }],
          limit: 3,
        });
        const page = res.collections.tasks!;
        expect(page.reset).toBe(false);
        for (const c of page.changes) {
          const prev = seen.get(c.id);
          // Versions of one record arrive in increasing order: a later state never precedes an earlier one.
          if (prev) expect(c.version).toBeGreaterThan(prev.version);
          seen.set(c.id, { version: c.version, deletedAt: c.deletedAt, title: c.title ?? null });
        }
        position = page.position;
        if (!page.hasMore) return;
      }
    };
    let writing = true;
    const puller = (async () => {
      while (writing) await pullOnce();
    })();
    await Promise.all([storeWriter(25), storeWriter(25), sqlWriter(25), sqlWriter(25), sqlWriter(25)]);
    writing = false;
    await puller;
    await pullOnce();

    const truth = new Map<string, { version: number; deletedAt: unknown; title: unknown }>();
    for (const r of await s.read((db) =>
      db.all<{ id: string; version: number; deleted_at: unknown; title: unknown }>(
        'SELECT id, version, deleted_at, title FROM tasks',
      ),
    )) {
      truth.set(r.id, { version: r.version, deletedAt: r.deleted_at, title: r.title });
    }
    for (const id of ids) {
      const mine = seen.get(id);
      const real = truth.get(id);
      if (real) expect(mine, `seed ${seed}: ${id}`).toEqual(real);
      // A hard-deleted row must have reached the puller as a tombstone (or never been seen).
      else if (mine) expect(mine.deletedAt, `seed ${seed}: ${id} should be a tombstone`).not.toBeNull();
    }
  }, 60_000);
}
