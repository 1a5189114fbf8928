/** Conformance scenario of the change feed (realtime pokes, decision 0013). */
import { expect, test } from 'vitest';
import type { StoreChange } from '../types.ts';
import type { OpenStore } from './store-helpers.ts';
import { insert, task } from './store-helpers.ts';

/** Runs the scenarios of this topic over stores opened by `make`. */
export function feedScenarios(make: OpenStore): void {
  test('change feed: store writes, plain SQL insert/update/delete and a scope move, with old and new scope keys', async () => {
    const { store, rawSql } = await make();
    if (!store.subscribe) return; // optional capability
    const seen: StoreChange[] = [];
    const errors: unknown[] = [];
    let wake = () => {};
    const stop = store.subscribe(
      (changes) => {
        seen.push(...changes);
        wake();
      },
      { onError: (e) => errors.push(e) },
    );
    // Resolves once `pred` holds for what the feed reported (generous: a shared cluster's watermark may lag).
    const until = async (pred: () => boolean, what: string) => {
      const deadline = Date.now() + 20_000;
      while (!pred()) {
        if (Date.now() > deadline)
          throw new Error(`the feed never reported ${what}: ${JSON.stringify(seen)}`);
        await new Promise<void>((resolve) => {
          wake = resolve;
          setTimeout(resolve, 200);
        });
      }
    };
    const has = (id: string, f: (c: StoreChange) => boolean) => seen.some((c) => c.id === id && f(c));
    try {
      // The feed starts from "now": give it a change to prove it is running before asserting on others.
      await insert(store, 'tasks', 'first', task('first', 'L0'));
      await until(() => has('first', (c) => c.row?.listId === 'L0'), 'the first insert');
      await insert(store, 'tasks', 't1', task('t1', 'L1'));
      await until(
        () => has('t1', (c) => c.collection === 'tasks' && c.row?.listId === 'L1'),
        'a store insert',
      );
      await rawSql('INSERT INTO tasks (id, list_id, title) VALUES (?, ?, ?)', ['raw', 'L2', 'sql']);
      await until(() => has('raw', (c) => c.row?.listId === 'L2'), 'a plain SQL insert');
      await rawSql('UPDATE tasks SET list_id = ? WHERE id = ?', ['L3', 'raw']);
      await until(
        () =>
          has('raw', (c) => c.row?.listId === 'L3') &&
          has('raw', (c) => c.row === null && c.old?.listId === 'L2'),
        'a scope move (new key, and old key through the gone-marker)',
      );
      await rawSql('DELETE FROM tasks WHERE id = ?', ['t1']);
      await until(() => has('t1', (c) => c.row === null && c.old?.listId === 'L1'), 'a plain SQL delete');
      await store.write((tx) => tx.softDelete('tasks', 'raw'));
      await until(
        () => has('raw', (c) => c.row?.deletedAt != null && c.row?.listId === 'L3'),
        'a soft delete',
      );
      expect(errors).toEqual([]);
    } finally {
      stop();
    }
  });
}
