/**
 * Issue 12, done-when 2 (PostgreSQL part): a role or database that does not exist is explained
 * with the host and port and what to fix, not passed on as PostgreSQL's raw error. Two quick
 * connection attempts; nothing is created in the cluster.
 */
import { createPostgresStore } from '@syncline/server/postgres';
import { describe, expect, test } from 'vitest';
import { e2eSchema } from './helpers/schema.ts';

const pgUrl = process.env.TEST_DATABASE_URL;

async function migrateError(url: URL): Promise<Error & { code?: string }> {
  const store = createPostgresStore({ connectionString: url.href, schema: e2eSchema });
  try {
    await store.migrate();
  } catch (error) {
    return error as Error;
  } finally {
    await store.close();
  }
  throw new Error('expected migrate() to fail');
}

describe.skipIf(!pgUrl)(
  pgUrl
    ? 'PostgreSQL connection messages'
    : 'PostgreSQL connection messages — SKIPPED: set TEST_DATABASE_URL',
  () => {
    test('a role that does not exist: host, port, the role, and to check the user or create the role', async () => {
      const url = new URL(pgUrl!);
      url.username = 'syncline_no_such_role';
      const error = await migrateError(url);
      expect(error.code).toBe('unavailable');
      expect(error.message).toContain(`${url.hostname}:${url.port || '5432'}`);
      expect(error.message).toContain('"syncline_no_such_role"');
      expect(error.message).toMatch(/Check the user name in the database URL .*or create the role/);
    });

    test('a database that does not exist: host, port, the name, and createdb', async () => {
      const url = new URL(pgUrl!);
      url.pathname = '/syncline_no_such_db';
      const error = await migrateError(url);
      expect(error.code).toBe('unavailable');
      expect(error.message).toContain(`${url.hostname}:${url.port || '5432'}`);
      expect(error.message).toContain('no database "syncline_no_such_db"');
      expect(error.message).toContain('createdb syncline_no_such_db');
    });
  },
);
