/**
 * Restore detection on SQLite (decision 0011): a position from a history the file does not have
 * answers `reset`, also after new writes pushed the counter past it; positions survive restarts;
 * `bumpGeneration` resets everyone.
 */
import { copyFileSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { defineSchema, t } from '@syncline/core';
import { afterAll, describe, expect, test } from 'vitest';
import type { ServerStore } from '../types.ts';
import { createSqliteStore } from './store.ts';

const schema = defineSchema({ tasks: { columns: { title: t.text() } } });
const dir = mkdtempSync(join(tmpdir(), 'syncline-sqlite-restore-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
let n = 0;

async function open(path: string) {
  const store = createSqliteStore({ path, schema });
  await store.migrate();
  return store;
}
const write = (store: ServerStore, id: string, title = id) =>
  store.write((tx) => tx.insertRecord('tasks', id, { title }));
async function pull(store: ServerStore, position: string | null) {
  const page = await store.pull({
    collections: [{ name: 'tasks', position, scope: { kind: 'public' } }],
    limit: 1000,
  });
  return page.collections.tasks!;
}
/** An online backup of a serving store (SQLite's backup API, what `sqlite3 .backup` does). */
async function backup(store: ReturnType<typeof createSqliteStore>, path: string): Promise<string> {
  const to = `${path}.backup-${++n}`;
  await store.db.backup(to);
  return to;
}

describe('sqlite restore detection', () => {
  test('positions stay valid across restarts (a new epoch each time)', async () => {
    const path = join(dir, `restart-${++n}.sqlite`);
    let store = await open(path);
    await write(store, 'a');
    let pos = (await pull(store, null)).position;
    for (let i = 0; i < 3; i++) {
      await store.close();
      store = await open(path);
      await write(store, `b${i}`);
      const page = await pull(store, pos);
      expect(page.reset).toBe(false);
      expect(page.changes.map((c) => c.id)).toEqual([`b${i}`]);
      pos = page.position;
    }
    await store.close();
  });

  test('a restored file answers reset to positions of the lost history, even once new writes overtook them', async () => {
    const path = join(dir, `restore-${++n}.sqlite`);
    let store = await open(path);
    await write(store, 'a');
    const early = (await pull(store, null)).position;
    const saved = await backup(store, path);

    // After the backup: more writes, one client pulls them (in the same run, which the backup's
    // last epoch covers, and after a restart).
    await write(store, 'lost-1');
    const sameEpoch = (await pull(store, early)).position;
    await store.close();
    store = await open(path);
    await write(store, 'lost-2');
    const laterEpoch = (await pull(store, sameEpoch)).position;
    await store.close();

    // Restore, then many new writes before the old clients come back: the counter passes theirs.
    copyFileSync(saved, path);
    rmSync(`${path}-wal`, { force: true });
    rmSync(`${path}-shm`, { force: true });
    // As if the marker file went back with the backup (a whole directory restored): only the
    // cursor checks can tell.
    rmSync(`${path}-syncline`, { force: true });
    store = await open(path);
    for (let i = 0; i < 5; i++) await write(store, `new-${i}`);
    expect((await pull(store, sameEpoch)).reset).toBe(true);
    expect((await pull(store, laterEpoch)).reset).toBe(true);
    // A position from before the backup is part of this history: no reset, only the new rows.
    const fromEarly = await pull(store, early);
    expect(fromEarly.reset).toBe(false);
    expect(fromEarly.changes.map((c) => c.id)).toEqual(['new-0', 'new-1', 'new-2', 'new-3', 'new-4']);
    // A reset client starts over and gets a position that is valid from then on.
    const fresh = await pull(store, null);
    expect(fresh.changes.map((c) => c.id)).toEqual(['a', 'new-0', 'new-1', 'new-2', 'new-3', 'new-4']);
    await write(store, 'after');
    expect(await pull(store, fresh.position)).toMatchObject({ reset: false, changes: [{ id: 'after' }] });
    await store.close();
  });

  test('the marker file: a replaced file starts a new generation, so every position resets, also those from before the backup', async () => {
    const path = join(dir, `marker-${++n}.sqlite`);
    let store = await open(path);
    await write(store, 'a');
    // This client's cursor predates the backup, but its push after the backup was acknowledged:
    // only a reset of everyone removes the record the restored file lacks.
    const early = (await pull(store, null)).position;
    const saved = await backup(store, path);
    await write(store, 'acknowledged-then-lost');
    await store.close();
    copyFileSync(saved, path);
    rmSync(`${path}-wal`, { force: true });
    rmSync(`${path}-shm`, { force: true });
    store = await open(path);
    const page = await pull(store, early);
    expect(page.reset).toBe(true);
    expect(page.changes.map((c) => c.id)).toEqual(['a']);
    // Only once: the new generation's positions are valid across the next restart.
    await store.close();
    store = await open(path);
    expect((await pull(store, page.position)).reset).toBe(false);
    await store.close();
  });

  test('the marker file follows every commit (rewritten in place); a shorter text leaves no tail', async () => {
    const path = join(dir, `marker-in-place-${++n}.sqlite`);
    const store = await open(path);
    const marker = () => JSON.parse(readFileSync(`${path}-syncline`, 'utf8')) as Record<string, unknown>;
    store.db.prepare("UPDATE _syncline_meta SET value = ? WHERE key = 'generation'").run('g'.repeat(40));
    await write(store, 'a');
    const first = marker();
    expect(first).toMatchObject({ generation: 'g'.repeat(40) });
    await write(store, 'b');
    const second = marker();
    expect(second.counter).toBeGreaterThan(first.counter as number);
    const generation = await store.bumpGeneration();
    expect(marker()).toEqual({ generation, epoch: first.epoch, counter: second.counter });
    await store.close();
  });

  test('a position ahead of the counter resets (the high-water mark), as does one without a known epoch', async () => {
    const path = join(dir, `hwm-${++n}.sqlite`);
    const store = await open(path);
    await write(store, 'a');
    const pos = (await pull(store, null)).position;
    const [gen, version, epoch] = pos.split(':');
    expect((await pull(store, `${gen}:${Number(version) + 1}:${epoch}`)).reset).toBe(true);
    expect((await pull(store, `${gen}:${version}:${'0'.repeat(16)}`)).reset).toBe(true);
    // Positions made before epochs existed keep working (the high-water check only).
    expect((await pull(store, `${gen}:${version}`)).reset).toBe(false);
    expect((await pull(store, `${gen}:${Number(version) + 1}`)).reset).toBe(true);
    await store.close();
  });

  test('bumpGeneration resets every position', async () => {
    const path = join(dir, `bump-${++n}.sqlite`);
    const store = await open(path);
    await write(store, 'a');
    const pos = (await pull(store, null)).position;
    expect((await pull(store, pos)).reset).toBe(false);
    await store.bumpGeneration();
    expect((await pull(store, pos)).reset).toBe(true);
    await store.close();
  });
});
