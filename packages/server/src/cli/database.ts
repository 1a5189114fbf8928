import { mkdirSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import type { SchemaDef } from '@syncline/core';
import { SynclineError } from '@syncline/core';
import type { ServerStore } from '../stores/types.ts';
import { loadPostgresStore, loadSqliteStore } from './drivers.ts';
import { UsageError } from './errors.ts';

/** A store opened from a database URL, and the directory for dev-mode files. */
export interface OpenedDatabase {
  store: ServerStore;
  /** SQLite: the directory of the file; PostgreSQL: `dataDir` or `./data`. Holds the dev secret. */
  dataDir: string;
  /** The URL for the startup banner: the SQLite path made absolute, a PostgreSQL URL without its password. */
  description: string;
}

/** How to open the database, besides its URL. */
export interface OpenDatabaseOptions {
  /** The rules' scope column per collection (`scopeColumnsOf(rules)`). */
  scopeColumns?: Readonly<Record<string, string | readonly string[]>>;
  /** PostgreSQL schema (namespace); wins over `?schema=` in the URL. */
  pgSchema?: string;
  /** Directory for dev-mode files when the database is not a file (PostgreSQL). */
  dataDir?: string;
}

/**
 * Opens `sqlite:<path>` (creating the parent directory; `sqlite:///abs/path` and `sqlite://rel`
 * also work) or `postgres://…` / `postgresql://…` (optionally `?schema=<name>` for the
 * PostgreSQL schema holding the tables). Opening does not connect or migrate.
 *
 * @example
 * const { store, dataDir } = await openDatabase('sqlite:./data/syncline.db', schema, { scopeColumns });
 */
export async function openDatabase(
  url: string,
  schema: SchemaDef,
  options: OpenDatabaseOptions = {},
): Promise<OpenedDatabase> {
  const scopeColumns = options.scopeColumns ?? {};
  if (/^postgres(ql)?:\/\//i.test(url)) return openPostgres(url, schema, scopeColumns, options);
  if (!url.startsWith('sqlite:')) {
    throw new UsageError(
      `Unsupported database URL "${url}": use sqlite:<path> (e.g. sqlite:./data/syncline.db) or postgres://user:pass@host/db.`,
    );
  }
  if (options.pgSchema !== undefined)
    throw new UsageError('--pg-schema only applies to a postgres:// database.');
  let path = url.slice('sqlite:'.length);
  if (path.startsWith('//')) path = path.slice(2);
  if (path === '' || path === ':memory:') {
    throw new UsageError(`"${url}" names no file: use sqlite:<path>, e.g. sqlite:./data/syncline.db.`);
  }
  const abs = resolve(path);
  const dataDir = dirname(abs);
  const { createSqliteStore } = await loadSqliteStore();
  mkdirSync(dataDir, { recursive: true });
  return {
    store: createSqliteStore({ path: abs, schema, scopeColumns }),
    dataDir,
    description: `sqlite:${abs}`,
  };
}

async function openPostgres(
  url: string,
  schema: SchemaDef,
  scopeColumns: Readonly<Record<string, string | readonly string[]>>,
  options: OpenDatabaseOptions,
): Promise<OpenedDatabase> {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    // Never echo the URL: it may hold a password.
    throw new UsageError('The postgres:// database URL is malformed: use postgres://user:pass@host:5432/db.');
  }
  const fromUrl = parsed.searchParams.get('schema');
  // `schema` is ours, not libpq's: pg would pass an unknown parameter on to the server.
  parsed.searchParams.delete('schema');
  const pgSchema = options.pgSchema ?? fromUrl ?? 'public';
  const { createPostgresStore } = await loadPostgresStore();
  let store: ServerStore;
  try {
    store = createPostgresStore({ connectionString: parsed.href, schema, pgSchema, scopeColumns });
  } catch (error) {
    if (error instanceof SynclineError && error.code === 'invalid') throw new UsageError(error.message);
    throw error;
  }
  const shown = new URL(parsed.href);
  shown.password = '';
  const description = `${shown.href}${pgSchema === 'public' ? '' : ` (PostgreSQL schema ${pgSchema})`}`;
  return { store, dataDir: resolve(options.dataDir ?? './data'), description };
}
