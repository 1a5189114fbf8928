import type { OpenResult } from '@syncline/client';
import { fingerprintChanges } from '@syncline/client/store';
import type { CollectionDef, SchemaDef } from '@syncline/core';
import { toSnake } from '@syncline/core/internal';
import type { Conn } from './conn.ts';
import { quote, SQL_TYPE, type Table, tableFor, unquote } from './table.ts';

/** The store's own tables. Names start with `_syncline_` so they never clash with a collection. */
const INTERNAL = `
CREATE TABLE IF NOT EXISTS "_syncline_outbox" (
  "key" INTEGER PRIMARY KEY AUTOINCREMENT,
  "collection" TEXT NOT NULL,
  "record_id" TEXT NOT NULL,
  "op" TEXT NOT NULL,
  "seq" INTEGER,
  "client_id" TEXT,
  "created_at" INTEGER NOT NULL
);
CREATE INDEX IF NOT EXISTS "_syncline_outbox_record" ON "_syncline_outbox" ("collection", "record_id");
CREATE TABLE IF NOT EXISTS "_syncline_meta" ("key" TEXT PRIMARY KEY, "value" TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS "_syncline_rejections" (
  "key" TEXT PRIMARY KEY,
  "collection" TEXT NOT NULL,
  "record_id" TEXT NOT NULL,
  "code" TEXT NOT NULL,
  "message" TEXT NOT NULL,
  "current" TEXT,
  "dropped" TEXT NOT NULL,
  "issues" TEXT NOT NULL,
  "created_at" INTEGER NOT NULL,
  "notified" INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS "_syncline_collections" ("name" TEXT PRIMARY KEY, "fingerprint" TEXT NOT NULL);
`;

/**
 * Creates or additively migrates every table for `schema`; runs inside the caller's write
 * transaction so a crash leaves either the old or the new layout. Never drops a column or a
 * row: a removed column stays in the table (unused), and rows and the outbox survive a change.
 */
export async function migrate(
  conn: Conn,
  schema: SchemaDef,
): Promise<{ result: OpenResult; tables: Map<string, Table> }> {
  await conn.exec(INTERNAL);
  const stored = new Map<string, string>();
  for (const row of await conn.all('SELECT "name", "fingerprint" FROM "_syncline_collections"')) {
    stored.set(String(row.name), String(row.fingerprint));
  }
  const result = fingerprintChanges(schema, (name) => stored.get(name));
  const save = new Set([...result.added, ...result.changed]);
  const tables = new Map<string, Table>();
  for (const def of Object.values(schema.collections) as CollectionDef[]) {
    const table = tableFor(def);
    tables.set(def.name, table);
    await ensureTable(conn, def, table);
    if (!save.has(def.name)) continue;
    await conn.run(
      'INSERT INTO "_syncline_collections" ("name", "fingerprint") VALUES (?, ?) ON CONFLICT ("name") DO UPDATE SET "fingerprint" = excluded."fingerprint"',
      [def.name, def.fingerprint],
    );
  }
  return { result, tables };
}

async function ensureTable(conn: Conn, def: CollectionDef, table: Table): Promise<void> {
  const existing = new Set(
    (await conn.all('SELECT "name" FROM pragma_table_info(?)', [unquote(table.sql)])).map((r) =>
      String(r.name),
    ),
  );
  if (existing.size === 0) {
    // No NOT NULL on columns: an invisible record (pending delete, tombstone) has no column values.
    const columns = table.columns.map((c) => `${c.sql} ${SQL_TYPE[c.kind]}`);
    await conn.exec(
      `CREATE TABLE ${table.sql} ("id" TEXT PRIMARY KEY NOT NULL, "version" INTEGER NOT NULL, "updated_at" TEXT, "updated_by" TEXT, "deleted_at" TEXT, ` +
        `${columns.map((c) => `${c}, `).join('')}"_visible" INTEGER NOT NULL, "_base" TEXT, "_pending" INTEGER NOT NULL DEFAULT 0, "_marked" INTEGER NOT NULL DEFAULT 0)`,
    );
  } else {
    // Tables from before `updatedBy` (protocol 3) gain its column; their rows read null until re-synced.
    if (!existing.has('updated_by')) await conn.exec(`ALTER TABLE ${table.sql} ADD COLUMN "updated_by" TEXT`);
    for (const c of table.columns) {
      if (!existing.has(unquote(c.sql)))
        await conn.exec(`ALTER TABLE ${table.sql} ADD COLUMN ${c.sql} ${SQL_TYPE[c.kind]}`);
    }
  }
  await syncIndexes(conn, def, table);
}

/**
 * Makes the table's `<table>__<index>` indexes match the schema: creates new ones, rebuilds one
 * whose columns changed and drops one the schema no longer declares. Other indexes (the app's
 * own) are left alone.
 */
async function syncIndexes(conn: Conn, def: CollectionDef, table: Table): Promise<void> {
  const prefix = `${toSnake(def.name)}__`;
  const wanted = new Map<string, string[]>();
  for (const [name, columns] of Object.entries(def.indexes)) {
    // _visible first: the app and the engine only ever look up visible rows by these columns.
    const cols = columns.map((c) => unquote(table.fields.get(c)?.sql ?? quote(toSnake(c))));
    wanted.set(`${prefix}${toSnake(name)}`, ['_visible', ...cols]);
  }
  const existing = await conn.all(
    'SELECT "name" FROM sqlite_master WHERE "type" = \'index\' AND "tbl_name" = ? AND substr("name", 1, ?) = ?',
    [unquote(table.sql), prefix.length, prefix],
  );
  for (const { name } of existing) {
    const indexName = String(name);
    const want = wanted.get(indexName);
    const has = (await conn.all('SELECT "name" FROM pragma_index_info(?) ORDER BY "seqno"', [indexName])).map(
      (r) => String(r.name),
    );
    if (want && want.join(',') === has.join(',')) wanted.delete(indexName);
    else await conn.exec(`DROP INDEX ${quote(indexName)}`);
  }
  for (const [name, cols] of wanted) {
    await conn.exec(`CREATE INDEX ${quote(name)} ON ${table.sql} (${cols.map(quote).join(', ')})`);
  }
}
