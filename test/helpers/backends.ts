/**
 * The server stores a test runs on: SQLite always, PostgreSQL when TEST_DATABASE_URL is set (a
 * fresh PostgreSQL schema per backend, dropped by `dispose`). Without it the PostgreSQL cases are
 * skipped with a message saying how to run them.
 */
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import type { SchemaDef } from '@syncline/core';
import { type Rules, type ServerStore, scopeColumnsOf } from '@syncline/server';
import { createPostgresStore } from '@syncline/server/postgres';
import { createSqliteStore } from '@syncline/server/sqlite';
import pg from 'pg';

export interface Backend {
  store: ServerStore;
  /** Removes what the backend created (the PostgreSQL schema); the store must be closed first. */
  dispose(): Promise<void>;
}

export interface BackendKind {
  name: 'SQLite' | 'PostgreSQL';
  /** Why the backend is skipped, or null when it runs. */
  skip: string | null;
  make(schema: SchemaDef, rules: Rules): Backend;
}

/** SQLite in `dir`, and PostgreSQL at TEST_DATABASE_URL (schemas named `<prefix>_<random>`). */
export function backends(dir: string, prefix: string): BackendKind[] {
  const url = process.env.TEST_DATABASE_URL;
  return [
    {
      name: 'SQLite',
      skip: null,
      make: (schema, rules) => ({
        store: createSqliteStore({
          path: join(dir, `server-${randomBytes(4).toString('hex')}.db`),
          schema,
          scopeColumns: scopeColumnsOf(rules),
        }),
        dispose: async () => {},
      }),
    },
    {
      name: 'PostgreSQL',
      skip: url ? null : 'SKIPPED: set TEST_DATABASE_URL=postgres://postgres@127.0.0.1:5432/test',
      make: (schema, rules) => {
        const pgSchema = `${prefix}_${randomBytes(5).toString('hex')}`;
        return {
          store: createPostgresStore({
            connectionString: url!,
            schema,
            pgSchema,
            scopeColumns: scopeColumnsOf(rules),
            pool: { max: 4 },
          }),
          async dispose() {
            const admin = new pg.Client({ connectionString: url! });
            await admin.connect();
            await admin.query(`DROP SCHEMA IF EXISTS ${pgSchema} CASCADE`);
            await admin.end();
          },
        };
      },
    },
  ];
}
