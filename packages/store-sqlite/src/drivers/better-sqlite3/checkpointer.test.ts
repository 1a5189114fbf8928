import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, describe, expect, test } from 'vitest';
import type { SqliteDriver } from '../../driver.ts';
import { betterSqlite3Driver } from './index.ts';

const dir = mkdtempSync(join(tmpdir(), 'syncline-checkpointer-'));
let n = 0;
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** `count` small transactions through the driver, the way the store commits (BEGIN IMMEDIATE…COMMIT). */
async function commits(driver: SqliteDriver, count: number): Promise<void> {
  for (let i = 0; i < count; i++) {
    await driver.exec('BEGIN IMMEDIATE');
    await driver.run('INSERT INTO t (v) VALUES (?)', ['x'.repeat(500)]);
    await driver.exec('COMMIT');
  }
}

async function until(check: () => Promise<boolean>, ms = 5000): Promise<boolean> {
  const end = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > end) return false;
    await new Promise((r) => setTimeout(r, 10));
  }
  return true;
}

describe('better-sqlite3 driver: WAL checkpoints (decision 0027)', () => {
  test('background: the connection never checkpoints itself, a worker moves the WAL into the file', async () => {
    const path = join(dir, `bg-${++n}.db`);
    const driver = betterSqlite3Driver(path);
    await driver.exec('CREATE TABLE t (v TEXT)');
    const before = statSync(path).size;
    // A few commits first: no thread yet, SQLite's own checkpoints stay on.
    await commits(driver, 10);
    expect(await driver.all('PRAGMA wal_autocheckpoint')).toEqual([{ wal_autocheckpoint: 1000 }]);
    // Far fewer than 1000 WAL pages: SQLite's own automatic checkpoint would not run yet.
    await commits(driver, 50);
    let committed = 60;
    expect(await driver.all('PRAGMA wal_autocheckpoint')).toEqual([{ wal_autocheckpoint: 10_000 }]);
    // Commits after the first ask again (at most every 20 ms); the worker copies pages into the file.
    const grew = await until(async () => {
      await commits(driver, 1);
      committed++;
      return statSync(path).size > before;
    });
    expect(grew).toBe(true);
    await driver.close();
    // The last connection to close checkpoints everything and removes the WAL.
    expect(existsSync(`${path}-wal`)).toBe(false);
    // Every committed row is in the file.
    const db = new Database(path, { readonly: true });
    expect(db.prepare('SELECT count(*) AS n FROM t').get()).toEqual({ n: committed });
    db.close();
  });

  test('a burst of commits that never yields to the event loop still checkpoints: the WAL stays small', async () => {
    const path = join(dir, `burst-${++n}.db`);
    const driver = betterSqlite3Driver(path);
    await driver.exec('CREATE TABLE t (v TEXT)');
    // Awaits of a synchronous driver are microtasks only: the event loop never turns, and the
    // writer never pauses for the worker's checkpoint to catch up.
    const count = 30_000;
    let largest = 0;
    for (let done = 0; done < count; done += 500) {
      await commits(driver, 500);
      largest = Math.max(largest, statSync(`${path}-wal`).size);
    }
    // Each commit appends a 4 KiB page to the WAL (120 MB for the burst); it restarts at the
    // backstop's 10,000 pages instead.
    expect(largest).toBeLessThan(12_000 * 4096);
    await driver.close();
    const db = new Database(path, { readonly: true });
    expect(db.prepare('SELECT count(*) AS n FROM t').get()).toEqual({ n: count });
    db.close();
  });

  test('the worker starts under a parent run with --input-type=module too (its code is CommonJS)', () => {
    const path = join(dir, `esm-${++n}.db`);
    const code = `
      const { betterSqlite3Driver } = await import(${JSON.stringify(new URL('./index.ts', import.meta.url).href)});
      const d = betterSqlite3Driver(${JSON.stringify(path)});
      await d.exec('CREATE TABLE t (v)');
      for (let i = 0; i < 60; i++) { await d.exec('BEGIN'); await d.run('INSERT INTO t VALUES (1)'); await d.exec('COMMIT'); }
      await new Promise((r) => setTimeout(r, 300));
      console.log(JSON.stringify(d.all('PRAGMA wal_autocheckpoint')));
      await d.close();`;
    const out = spawnSync(
      process.execPath,
      ['--conditions=@syncline/source', '--import', 'tsx', '--input-type=module', '-e', code],
      {
        encoding: 'utf8',
      },
    );
    // A worker that failed to start would have put SQLite's own checkpoints (1000) back.
    expect(out.stdout.trim()).toBe('[{"wal_autocheckpoint":10000}]');
  });

  test('inline: SQLite checkpoints inside COMMIT as usual', async () => {
    const path = join(dir, `inline-${++n}.db`);
    const driver = betterSqlite3Driver(path, { checkpoints: 'inline' });
    expect(await driver.all('PRAGMA wal_autocheckpoint')).toEqual([{ wal_autocheckpoint: 1000 }]);
    await driver.exec('CREATE TABLE t (v TEXT)');
    const before = statSync(path).size;
    await commits(driver, 60);
    await new Promise((r) => setTimeout(r, 100));
    expect(statSync(path).size).toBe(before);
    await driver.close();
  });

  test('an in-memory database and a connection passed in keep SQLite’s own checkpoints', async () => {
    const memory = betterSqlite3Driver(':memory:');
    expect(await memory.all('PRAGMA wal_autocheckpoint')).toEqual([{ wal_autocheckpoint: 1000 }]);
    await memory.close();
    const own = new Database(join(dir, `own-${++n}.db`));
    const wrapped = betterSqlite3Driver(own);
    expect(await wrapped.all('PRAGMA wal_autocheckpoint')).toEqual([{ wal_autocheckpoint: 1000 }]);
    await wrapped.close();
    expect(own.open).toBe(true);
    own.close();
  });
});
