/**
 * Issue 10, done-when 2 on SQLite: the server's database file is replaced by an earlier copy and
 * nobody runs a command; restore detection (decision 0011) brings every client back in step.
 */
import { copyFileSync, mkdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { createSqliteStore } from '@syncline/server/sqlite';
import { afterAll, test } from 'vitest';
import { runRestoreScenario } from './helpers/restore-scenario.ts';
import { e2eRules, e2eSchema } from './helpers/schema.ts';
import { serveStore, tempDir } from './helpers/server.ts';

const dir = tempDir('syncline-restore-');
afterAll(() => dir.cleanup());

for (const marker of ['without', 'with'] as const) {
  test(`sqlite: a server restored from a file copy (${marker === 'with' ? 'marker file restored with it' : 'marker file kept'}) leaves no client diverged, with no command run`, async () => {
    const path = join(dir.path, `server-${marker}.db`);
    const saved = join(dir.path, `backup-${marker}.db`);
    const clientDir = join(dir.path, marker);
    mkdirSync(clientDir);
    let store: ReturnType<typeof createSqliteStore> | undefined;
    await runRestoreScenario(
      {
        async start() {
          const s = createSqliteStore({ path, schema: e2eSchema });
          store = s;
          return serveStore({ store: s, schema: e2eSchema, rules: e2eRules });
        },
        async backup() {
          // SQLite's online backup API: a consistent copy of a database in use.
          await store!.db.backup(saved);
          // "with": the whole directory is backed up, marker included, so only cursors can tell.
          if (marker === 'with') copyFileSync(`${path}-syncline`, `${saved}-syncline`);
        },
        async restore() {
          copyFileSync(saved, path);
          rmSync(`${path}-wal`, { force: true });
          rmSync(`${path}-shm`, { force: true });
          if (marker === 'with') copyFileSync(`${saved}-syncline`, `${path}-syncline`);
        },
      },
      clientDir,
    );
  });
}
