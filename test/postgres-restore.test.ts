/**
 * Issue 10, done-when 2 on PostgreSQL: the server's tables are dumped (`pg_dump`) while it serves,
 * written to afterwards, then restored into a fresh database (`psql`), and the operator runs
 * `syncline bump-generation` before serving again. Every client must end equal to the server.
 * Needs TEST_DATABASE_URL; the schema and the restored database are dropped afterwards.
 */
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { createPostgresStore } from '@syncline/server/postgres';
import pg from 'pg';
import { afterAll, describe, expect, test } from 'vitest';
import { runRestoreScenario } from './helpers/restore-scenario.ts';
import { e2eRules, e2eSchema } from './helpers/schema.ts';
import { serveStore, tempDir } from './helpers/server.ts';
import { CLI_FROM_SOURCE } from './helpers/source.ts';

const run = promisify(execFile);
const url = process.env.TEST_DATABASE_URL;
const root = fileURLToPath(new URL('..', import.meta.url));
const schemaModule = join(root, 'test/helpers/schema.ts');

const title = url
  ? 'restore of a PostgreSQL dump'
  : 'restore of a PostgreSQL dump — SKIPPED: set TEST_DATABASE_URL=postgres://postgres@127.0.0.1:5432/test';

describe.skipIf(!url)(title, () => {
  const dir = tempDir('syncline-pgrestore-');
  const suffix = randomBytes(5).toString('hex');
  const pgSchema = `sl_rst_${suffix}`;
  const restoredDb = `sl_rst_${suffix}`;
  afterAll(async () => {
    const admin = new pg.Client({ connectionString: url });
    await admin.connect();
    await admin.query(`DROP SCHEMA IF EXISTS ${pgSchema} CASCADE`);
    await admin.query(`DROP DATABASE IF EXISTS ${restoredDb} WITH (FORCE)`);
    await admin.end();
    dir.cleanup();
  });

  test('pg_dump, lost writes, restore into a fresh database, syncline bump-generation: every client converges', async () => {
    const restoredUrl = new URL(url!);
    restoredUrl.pathname = `/${restoredDb}`;
    let current = url!;
    const dump = join(dir.path, 'backup.sql');
    const module = join(dir.path, 'schema.ts');
    writeFileSync(
      module,
      `export { e2eSchema as schema, e2eRules as rules } from ${JSON.stringify(schemaModule)};\n`,
    );
    await runRestoreScenario(
      {
        async start() {
          const store = createPostgresStore({ connectionString: current, schema: e2eSchema, pgSchema });
          return serveStore({ store, schema: e2eSchema, rules: e2eRules });
        },
        async backup() {
          await run('pg_dump', ['--schema', pgSchema, '--no-owner', '--file', dump, url!], {
            timeout: 60_000,
          });
        },
        async restore() {
          const admin = new pg.Client({ connectionString: url });
          await admin.connect();
          await admin.query(`CREATE DATABASE ${restoredDb}`);
          await admin.end();
          await run('psql', ['-q', '-v', 'ON_ERROR_STOP=1', '-f', dump, restoredUrl.href], {
            timeout: 60_000,
          });
          current = restoredUrl.href;
          // What the README tells the operator to do before serving a restored database.
          const env = { ...process.env };
          delete env.DATABASE_URL;
          const { stdout } = await run(
            CLI_FROM_SOURCE[0]!,
            [
              ...CLI_FROM_SOURCE.slice(1),
              'bump-generation',
              '--schema',
              module,
              '--db',
              current,
              '--pg-schema',
              pgSchema,
            ],
            { timeout: 60_000, env },
          );
          expect(stdout).toMatch(/New database generation [0-9a-f]+ for /);
        },
      },
      dir.path,
    );
  });
});
