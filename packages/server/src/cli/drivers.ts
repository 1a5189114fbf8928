/**
 * The CLI's stores, imported only when a database URL names them: better-sqlite3 and pg are
 * optional peer dependencies, so a server on PostgreSQL never needs SQLite's native module.
 */
import { UsageError } from './errors.ts';

const PACKAGES = { sqlite: 'better-sqlite3', postgres: 'pg' } as const;

function missing(cause: unknown, pkg: string): boolean {
  const e = cause as { code?: unknown; message?: unknown };
  return (
    (e?.code === 'ERR_MODULE_NOT_FOUND' || e?.code === 'MODULE_NOT_FOUND') &&
    typeof e.message === 'string' &&
    e.message.includes(`'${pkg}'`)
  );
}

async function load<T>(kind: keyof typeof PACKAGES, importer: () => Promise<T>): Promise<T> {
  try {
    return await importer();
  } catch (cause) {
    const pkg = PACKAGES[kind];
    if (!missing(cause, pkg)) throw cause;
    throw new UsageError(
      `A ${kind} database needs the "${pkg}" package, which is not installed: run \`npm install ${pkg}\` in your app.`,
    );
  }
}

export const loadSqliteStore = () => load('sqlite', () => import('../stores/sqlite/index.ts'));
export const loadPostgresStore = () => load('postgres', () => import('../stores/postgres/index.ts'));
