/**
 * The `syncline` command's other commands as real child processes: migrate and gc on SQLite and
 * PostgreSQL, serve's GC schedule, and clear usage errors (exit 2).
 */
import { join, resolve as resolvePath } from 'node:path';
import { afterAll, describe, expect, test } from 'vitest';
import {
  cleanEnv,
  demoSchema,
  dir,
  insertAndDelete,
  root,
  runToExit,
  SECRET,
  start,
  token,
} from './helpers/cli-child.ts';

describe('syncline migrate and gc on SQLite', () => {
  test('migrate creates the tables and exits; gc removes the tombstone and prints the horizon', async () => {
    const db = `sqlite:${join(dir, 'maint', 'app.db')}`;
    const migrated = await runToExit(['migrate', '--schema', demoSchema, '--db', db]);
    expect(migrated.output).toContain(
      `Migrated sqlite:${join(dir, 'maint', 'app.db')}: lists, tasks, members.`,
    );
    expect(migrated.code).toBe(0);

    const server = await start(['serve', '--schema', demoSchema, '--db', db, '--port', '0', '--no-migrate'], {
      env: cleanEnv({ SYNCLINE_JWT_SECRET: SECRET }),
    });
    expect(server.output()).toContain('migrate    skipped (--no-migrate)');
    const { signDevToken } = await import('@syncline/server');
    await insertAndDelete(server.url, await signDevToken(SECRET, 'alice', 60), 'maint-1', 'l-gone');
    expect((await server.stop()).code).toBe(0);

    const kept = await runToExit(['gc', '--schema', demoSchema, '--db', db]);
    expect(kept.output).toMatch(
      /Removed 0 tombstone\(s\) deleted before \d{4}-\d\d-\d\dT\S+ \(older than 30d\)/,
    );
    expect(kept.code).toBe(0);
    const gc = await runToExit(['gc', '--schema', demoSchema, '--db', db, '--older-than', '0s']);
    expect(gc.output).toMatch(/Removed 1 tombstone\(s\) deleted before \S+ \(older than 0s\)/);
    expect(gc.code).toBe(0);

    const bumped = await runToExit(['bump-generation', '--schema', demoSchema, '--db', db]);
    expect(bumped.output).toMatch(
      /New database generation [0-9a-f]{16} for sqlite:\S+app\.db: every client downloads its data again/,
    );
    expect(bumped.code).toBe(0);
  });

  test('serve --gc-every runs the schedule and says so', async () => {
    const db = `sqlite:${join(dir, 'sched', 'app.db')}`;
    const server = await start(
      [
        'serve',
        '--schema',
        demoSchema,
        '--db',
        db,
        '--port',
        '0',
        '--gc-every',
        '1s',
        '--gc-older-than',
        '0s',
      ],
      { env: cleanEnv({ SYNCLINE_JWT_SECRET: SECRET }) },
    );
    expect(server.output()).toContain('gc         every 1s, tombstones older than 0s');
    const { signDevToken } = await import('@syncline/server');
    await insertAndDelete(server.url, await signDevToken(SECRET, 'alice', 60), 'sched-1', 'l-gone');
    await server.waitFor(/gc removed 1 tombstone\(s\) older than 0s/);
    expect((await server.stop()).code).toBe(0);
  });
});

const pgUrl = process.env.TEST_DATABASE_URL;
describe.skipIf(!pgUrl)(
  pgUrl
    ? 'syncline with PostgreSQL'
    : 'syncline with PostgreSQL — SKIPPED: set TEST_DATABASE_URL=postgres://postgres@127.0.0.1:5432/test',
  () => {
    const pgSchema = `sl_cli_${process.pid}_${Date.now().toString(36)}`;
    afterAll(async () => {
      const { default: pg } = await import('pg');
      const client = new pg.Client({ connectionString: pgUrl });
      await client.connect();
      await client.query(`DROP SCHEMA IF EXISTS ${pgSchema} CASCADE`);
      await client.end();
    });

    test('migrate, serve (password hidden, /metrics with the watermark lag), gc', async () => {
      // A password in the URL (trust auth ignores it) must never be printed.
      const withPassword = new URL(pgUrl!);
      withPassword.password = 'hunter2-secret';
      withPassword.searchParams.set('schema', pgSchema);
      const db = withPassword.href;

      const migrated = await runToExit(['migrate', '--schema', demoSchema, '--db', db]);
      expect(migrated.output).toContain(`(PostgreSQL schema ${pgSchema}): lists, tasks, members.`);
      expect(migrated.output).not.toContain('hunter2');
      expect(migrated.code).toBe(0);

      // DATABASE_URL stands in for --db; --pg-schema wins over a ?schema= that is absent here.
      const plain = new URL(pgUrl!);
      plain.password = 'hunter2-secret';
      const server = await start(
        ['serve', '--schema', demoSchema, '--pg-schema', pgSchema, '--port', '0', '--dev', '--no-migrate'],
        {
          env: cleanEnv({ DATABASE_URL: plain.href }),
        },
      );
      expect(server.output()).toContain(`PostgreSQL schema ${pgSchema}`);
      expect(server.output()).not.toContain('hunter2');
      expect(server.output()).toContain(resolvePath(dir, 'data', 'dev-secret'));
      const issued = (await (await token(server.url, 'alice')).json()) as { token: string };
      await insertAndDelete(server.url, issued.token, 'pg-cli-1', 'l-gone');

      const metrics = await (await fetch(`${server.url}/metrics`)).text();
      expect(metrics).toMatch(/^syncline_watermark_lag_xids \d+$/m);
      expect(metrics).toMatch(/^syncline_oldest_writer_age_seconds \d+(\.\d+)?$/m);
      expect(metrics).toContain('syncline_http_requests_total{route="/sync/push",status="200"} 2');
      expect(metrics).toContain('syncline_push_mutations_total{status="applied"} 2');
      expect((await server.stop()).code).toBe(0);

      const gc = await runToExit(['gc', '--schema', demoSchema, '--db', db, '--older-than', '0s']);
      expect(gc.output).toMatch(/Removed 1 tombstone\(s\) deleted before \S+ \(older than 0s\)/);
      expect(gc.output).not.toContain('hunter2');
      expect(gc.code).toBe(0);
    });
  },
);

describe('usage errors exit 2 with a message', () => {
  const db = `sqlite:${join(dir, 'bad', 'x.db')}`;
  const cases: Array<[string, string[], RegExp, NodeJS.ProcessEnv?]> = [
    ['an unknown flag', ['serve', '--schema', demoSchema, '--db', db, '--prot', '1'], /--prot/],
    ['a missing --schema', ['serve', '--db', db], /Missing --schema/],
    ['an unknown command', ['launch'], /Unknown command "launch"/],
    [
      'a bad port',
      ['serve', '--schema', demoSchema, '--db', db, '--port', 'http'],
      /--port must be a port number/,
    ],
    ['a schema file that does not exist', ['serve', '--schema', './nope.ts', '--db', db], /does not exist/],
    [
      'a module without a schema',
      ['serve', '--schema', join(root, 'packages/server/src/cli/errors.ts'), '--db', db],
      /exports no schema/,
    ],
    [
      'a PostgreSQL schema name that is not allowed',
      ['serve', '--schema', demoSchema, '--db', 'postgres://localhost/app', '--pg-schema', 'Drop Table'],
      /PostgreSQL schema name "Drop Table" is not allowed/,
    ],
    [
      '--pg-schema with SQLite',
      ['migrate', '--schema', demoSchema, '--db', db, '--pg-schema', 'app'],
      /--pg-schema only applies to a postgres/,
    ],
    [
      'a retention without a unit',
      ['gc', '--schema', demoSchema, '--db', db, '--older-than', '30'],
      /--older-than must be a duration such as 30d/,
    ],
    ['no database at all', ['serve', '--schema', demoSchema], /Missing --db/],
    [
      'dev mode on a public interface',
      ['serve', '--schema', demoSchema, '--db', db, '--dev', '--host', '0.0.0.0'],
      /only binds 127\.0\.0\.1/,
    ],
    [
      'no token check outside dev mode',
      ['serve', '--schema', demoSchema, '--db', db, '--port', '0'],
      /SYNCLINE_JWT_SECRET/,
    ],
    [
      'a too-short secret',
      ['serve', '--schema', demoSchema, '--db', db, '--port', '0'],
      /at least 32 bytes/,
      cleanEnv({ SYNCLINE_JWT_SECRET: 'short' }),
    ],
  ];
  test.concurrent.each(cases)('%s', async (_name, args, message, env) => {
    const { code, output } = await runToExit(args, env);
    expect(output).toMatch(message);
    expect(code).toBe(2);
  });

  test('--help prints usage and exits 0', async () => {
    const { code, output } = await runToExit(['--help']);
    expect(code).toBe(0);
    expect(output).toContain('syncline serve --schema');
  });
});
