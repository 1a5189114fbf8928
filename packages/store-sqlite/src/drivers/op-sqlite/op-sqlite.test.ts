/**
 * The op-sqlite driver on op-sqlite's own Node build (the phone's API, run on better-sqlite3).
 * op-sqlite declares `react` and `react-native` as required peers, so it is installed outside
 * the workspaces, in test/native/ (`npm run setup:native`; `.ci/run` does it before the
 * tests), and loaded from there by path.
 *
 * What the Node build cannot prove about a device, and this test therefore does not claim:
 * - the JSI bridge: on a phone `execute` runs on op-sqlite's own thread, its errors are
 *   op-sqlite's (`[op-sqlite] …`, no SQLite result code the store could explain), and blobs come
 *   back as ArrayBuffer through the host object, not better-sqlite3's Buffer;
 * - the native `transaction()` queue under load, interleaved with the app's own `execute` calls
 *   (the Node build's `transaction()` is a bare BEGIN/COMMIT with no queue);
 * - which statements return rows: the Node build returns rows only for statements starting with
 *   `SELECT` (the store reads only with `SELECT` and never uses `RETURNING`), a device for any;
 * - durability: WAL and `synchronous=NORMAL` on the phone's file system, and the OS killing the
 *   app mid-transaction;
 * - the SQLite version and compile options op-sqlite bundles on iOS and Android.
 */
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { runLocalStoreSuite } from '@syncline/client/conformance';
import { defineSchema, t } from '@syncline/core';
import ts from 'typescript';
import { afterAll, describe, expect, test } from 'vitest';
import { createSqliteLocalStore } from '../../index.ts';
import { type OpSqliteDatabase, opSqliteDriver } from './index.ts';
import { splitStatements } from './split.ts';

const ROOT = fileURLToPath(new URL('../../../../../', import.meta.url));
const ENTRY = join(ROOT, 'test/native/node_modules/@op-engineering/op-sqlite/node/dist/index.js');
const installed = existsSync(ENTRY);

type Open = (options: { name: string; location?: string }) => OpSqliteDatabase & {
  executeSync(query: string): { rows: Array<Record<string, unknown>> };
};
const opSqlite = installed ? ((await import(/* @vite-ignore */ ENTRY)) as { open: Open }) : null;

const dir = mkdtempSync(join(tmpdir(), 'syncline-op-sqlite-'));
let n = 0;
const newLocation = () => join(dir, `db-${++n}.sqlite`);
const cleanup = (path: string) => {
  for (const suffix of ['', '-wal', '-shm']) rmSync(path + suffix, { force: true });
};
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Opens a file as an app on a phone would: `open({ name, location })`. */
const openDb = (path: string) => {
  if (!opSqlite) throw new Error('op-sqlite is not installed');
  return opSqlite.open({ name: basename(path), location: dirname(path) });
};

test.runIf(!installed && process.env.CI)('op-sqlite is installed in CI (npm run setup:native)', () => {
  expect.fail(`op-sqlite's Node build is missing at ${ENTRY}: run \`npm run setup:native\`.`);
});

describe.skipIf(!installed)("op-sqlite driver on op-sqlite's Node build", () => {
  runLocalStoreSuite(
    "sqlite (op-sqlite's Node build)",
    { create: (path) => createSqliteLocalStore(opSqliteDriver(openDb(path))), newLocation, cleanup },
    { persistent: true },
  );

  const schema = defineSchema({ tasks: { columns: { title: t.text(), done: t.boolean() } } });
  const task = (id: string, title: string) => ({
    id,
    version: 1,
    updatedAt: '2026-12-01T10:00:00.000Z',
    updatedBy: null,
    deletedAt: null,
    title,
    done: false,
  });

  test("op-sqlite's own DB types (the device's and the Node build's) are assignable to OpSqliteDatabase", () => {
    const pkg = join(ROOT, 'test/native/node_modules/@op-engineering/op-sqlite');
    const probe = join(dir, 'types-probe.ts');
    writeFileSync(
      probe,
      [
        `import type { DB } from '${join(pkg, 'lib/typescript/src/types.d.ts')}';`,
        `import type { DB as NodeDB } from '${join(pkg, 'node/dist/types.d.ts')}';`,
        `import type { OpSqliteDatabase } from '${join(ROOT, 'packages/store-sqlite/src/drivers/op-sqlite/index.ts')}';`,
        'export const device: OpSqliteDatabase = null as unknown as DB;',
        'export const node: OpSqliteDatabase = null as unknown as NodeDB;',
      ].join('\n'),
    );
    const program = ts.createProgram([probe], {
      strict: true,
      exactOptionalPropertyTypes: true,
      noEmit: true,
      allowImportingTsExtensions: true,
      module: ts.ModuleKind.ESNext,
      moduleResolution: ts.ModuleResolutionKind.Bundler,
      target: ts.ScriptTarget.ES2022,
      types: [],
      skipLibCheck: true,
    });
    const problems = ts
      .getPreEmitDiagnostics(program)
      .map((d) => ts.flattenDiagnosticMessageText(d.messageText, '\n'));
    expect(problems).toEqual([]);
  });

  test('the driver sets WAL, synchronous=NORMAL and foreign keys on the connection it is given', async () => {
    const path = newLocation();
    const db = openDb(path);
    const store = createSqliteLocalStore(opSqliteDriver(db, { closeOnClose: false }));
    await store.open(schema);
    // A PRAGMA does not start with SELECT: through the Node build's execute it returns no rows.
    const [mode] = db.executeSync('SELECT * FROM pragma_journal_mode').rows;
    const [sync] = db.executeSync('SELECT * FROM pragma_synchronous').rows;
    const [fk] = db.executeSync('SELECT * FROM pragma_foreign_keys').rows;
    expect({ mode, sync, fk }).toEqual({
      mode: { journal_mode: 'wal' },
      sync: { synchronous: 1 },
      fk: { foreign_keys: 1 },
    });
    await store.close();
    db.close();
  });

  test("a store write runs inside db.transaction(): the app's own transaction on the same db waits for it", async () => {
    const path = newLocation();
    const db = openDb(path);
    const calls: string[] = [];
    const spied: OpSqliteDatabase = {
      execute: (q, p) => db.execute(q, p),
      transaction: (fn) => {
        calls.push('transaction');
        return db.transaction(fn);
      },
      close: () => db.close(),
    };
    const store = createSqliteLocalStore(opSqliteDriver(spied));
    await store.open(schema);
    await store.write((tx) =>
      tx.putRecord('tasks', { id: 'a', base: null, row: task('a', 'Milk'), pending: 1, marked: false }),
    );
    expect(calls).toEqual(['transaction', 'transaction']);
    const { rows } = await db.execute('SELECT id, title, _pending FROM tasks WHERE _visible = 1');
    expect(rows).toEqual([{ id: 'a', title: 'Milk', _pending: 1 }]);
    await store.close();
  });

  test('a failing write rolls back through db.transaction() and rethrows the callback error unchanged', async () => {
    const store = createSqliteLocalStore(opSqliteDriver(openDb(newLocation())));
    await store.open(schema);
    const boom = new Error('app failure');
    await expect(
      store.write(async (tx) => {
        await tx.putRecord('tasks', {
          id: 'a',
          base: null,
          row: task('a', 'Milk'),
          pending: 1,
          marked: false,
        });
        throw boom;
      }),
    ).rejects.toBe(boom);
    expect(await store.read((tx) => tx.query('tasks', {}))).toEqual([]);
    await store.close();
  });

  test('addOutbox keys come from insertId (no RETURNING): consecutive entries get increasing keys', async () => {
    const store = createSqliteLocalStore(opSqliteDriver(openDb(newLocation())));
    await store.open(schema);
    const entry = {
      collection: 'tasks',
      id: 'a',
      op: { kind: 'insert', values: {} } as never,
      seq: null,
      clientId: null,
      createdAt: 1,
    };
    const keys = await store.write(async (tx) => [await tx.addOutbox(entry), await tx.addOutbox(entry)]);
    expect(keys[0]).toBeGreaterThan(0);
    expect(keys[1]).toBe((keys[0] ?? 0) + 1);
    await store.close();
  });
});

test('splitStatements splits at semicolons outside quotes and comments', () => {
  expect(
    splitStatements(`CREATE TABLE "a;b" (x TEXT DEFAULT ';'); -- c;d\nCREATE INDEX i ON t (x);\n`),
  ).toEqual([`CREATE TABLE "a;b" (x TEXT DEFAULT ';')`, '-- c;d\nCREATE INDEX i ON t (x)']);
});

test('a database whose pragmas fail (a fake op-sqlite DB) fails open() with SynclineError storage, not an unhandled rejection', async () => {
  const failing: OpSqliteDatabase = {
    execute: async () => {
      throw new Error('[op-sqlite] disk I/O error');
    },
    transaction: async (fn) => fn(null),
    close: () => {},
  };
  const store = createSqliteLocalStore(opSqliteDriver(failing));
  await expect(store.open(defineSchema({ a: { columns: { x: t.text() } } }))).rejects.toMatchObject({
    name: 'SynclineError',
    code: 'storage',
  });
  await store.close();
});
