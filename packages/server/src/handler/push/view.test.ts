/** txView on a real SQLite write transaction: what it forwards, what it overrides, when `before` runs. */
import { defineSchema, t } from '@syncline/core';
import { expect, test } from 'vitest';
import { createSqliteStore } from '../../stores/sqlite/store.ts';
import type { TxMethod } from './view.ts';
import { txView } from './view.ts';

const schema = defineSchema({ notes: { columns: { body: t.text() } } });

test('a view forwards every method it does not override, after the before hook', async () => {
  const store = createSqliteStore({ path: ':memory:', schema });
  try {
    await store.migrate();
    const calls: TxMethod[] = [];
    const seen = await store.write(async (tx) => {
      const view = txView(tx, { getRecord: async () => null }, async (name) => {
        calls.push(name);
      });
      await view.writeAs('u1');
      const inserted = await view.insertRecord('notes', 'n1', { body: 'hi' });
      // Overridden: the real record exists, the view answers null and runs no hook.
      const read = await view.getRecord('notes', 'n1');
      const rows = await view.all<{ body: string }>('SELECT body FROM notes WHERE id = ?', ['n1']);
      const inSavepoint = await view.savepoint(async () => view.softDelete('notes', 'n1'));
      return { inserted, read, rows, inSavepoint };
    });
    expect(calls).toEqual(['writeAs', 'insertRecord', 'all', 'savepoint', 'softDelete']);
    expect(seen.inserted).toMatchObject({ id: 'n1', body: 'hi', updatedBy: 'u1', deletedAt: null });
    expect(seen.read).toBeNull();
    expect(seen.rows).toEqual([{ body: 'hi' }]);
    expect(seen.inSavepoint.deletedAt).not.toBeNull();
    // A view serves single mutations: it offers none of the batch capabilities.
    await store.write(async (tx) => {
      const view = txView(tx, {});
      expect([view.getRecords, view.insertRecords, view.saveOutcomes]).toEqual([
        undefined,
        undefined,
        undefined,
      ]);
    });
  } finally {
    await store.close();
  }
});
