/**
 * WatermelonDB 0.28 in a fresh process: its SQLite adapter on Node (better-sqlite3: it does not
 * depend on it, so it loads the repository root's, the same build Syncline uses) on a fresh
 * file, switched to WAL with synchronous=NORMAL like every SQLite here (on Node it opens the file
 * with SQLite's defaults: a rollback journal, synchronous=FULL).
 *
 * - `sync <url>`: `synchronize()` against the fixture server's /watermelon/pull (its protocol:
 *   all changes in one answer), then counts the rows.
 * - `writes <singles> <bulk>`: p50/p99 of awaited single creates (one `write()` each), then
 *   rows/s of one `write()` with one `batch()` of prepared creates.
 * Models are plain classes (no decorators): fields are set through `_raw`.
 * Prints one JSON line.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { benchRow, report } from './rows.mjs';
import { timeSingles } from './timing.mjs';

const require = createRequire(import.meta.url);
const { Database, Model, appSchema, tableSchema } = require('@nozbe/watermelondb');
const SQLiteAdapter = require('@nozbe/watermelondb/adapters/sqlite').default;
const { synchronize } = require('@nozbe/watermelondb/sync');
const NodeSqlite = require('@nozbe/watermelondb/adapters/sqlite/sqlite-node/Database').default;

// Equalised durability: WAL + NORMAL on every connection the adapter opens.
const open = NodeSqlite.prototype.open;
NodeSqlite.prototype.open = function openWal() {
  open.call(this);
  this.instance.pragma('journal_mode = WAL');
  this.instance.pragma('synchronous = NORMAL');
};

class Task extends Model {
  static table = 'tasks';
}
const schema = appSchema({
  version: 1,
  tables: [
    tableSchema({
      name: 'tasks',
      columns: [
        { name: 'owner', type: 'string' },
        { name: 'title', type: 'string' },
        { name: 'note', type: 'string' },
        { name: 'done', type: 'boolean' },
        { name: 'rank', type: 'number' },
      ],
    }),
  ],
});

const [scenario, ...args] = process.argv.slice(2);
const dir = mkdtempSync(join(tmpdir(), 'watermelon-'));
try {
  const adapter = new SQLiteAdapter({ schema, dbName: join(dir, 'wm.db'), jsi: false });
  const database = new Database({ adapter, modelClasses: [Task] });
  const tasks = database.get('tasks');
  const fill = (n) => (t) => {
    const r = benchRow(n, 'w');
    t._raw.id = r.id;
    t._raw.owner = r.owner;
    t._raw.title = r.title;
    t._raw.note = r.note;
    t._raw.done = r.done;
    t._raw.rank = r.rank;
  };
  if (scenario === 'sync') {
    const [url] = args;
    const t0 = performance.now();
    await synchronize({
      database,
      pullChanges: async ({ lastPulledAt }) => {
        const res = await fetch(`${url}/watermelon/pull?last_pulled_at=${lastPulledAt ?? ''}`);
        return await res.json();
      },
      pushChanges: async () => {},
    });
    const ms = performance.now() - t0;
    const rows = await tasks.query().fetchCount();
    report({ ms, rows });
  } else {
    const [singles, bulk] = args.map(Number);
    const single = await timeSingles(singles, (n) => database.write(() => tasks.create(fill(n))));
    const t0 = performance.now();
    await database.write(() =>
      database.batch(Array.from({ length: bulk }, (_, i) => tasks.prepareCreate(fill(singles + i)))),
    );
    const ms = performance.now() - t0;
    const rows = await tasks.query().fetchCount();
    if (rows !== singles + bulk) throw new Error(`expected ${singles + bulk} rows, found ${rows}`);
    report({ ...single, bulk: { rows: bulk, ms, how: 'database.batch' } });
  }
} finally {
  rmSync(dir, { recursive: true, force: true });
}
