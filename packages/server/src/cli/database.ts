import { mkdirSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import type { SchemaDef } from '@syncline/core';
import { createSqliteStore } from '../stores/sqlite/index.ts';
import type { ServerStore } from '../stores/types.ts';
import { UsageError } from './errors.ts';

/** A store opened from a database URL, and the directory for dev-mode files next to it. */
export interface OpenedDatabase {
  store: ServerStore;
  /** The directory of the SQLite file; holds the dev secret. */
  dataDir: string;
  /** The URL with the path made absolute, for the startup banner. */
  description: string;
}

/**
 * Opens `sqlite:<path>` (creating the parent directory; `sqlite:///abs/path` and `sqlite://rel`
 * also work). `postgres://` is refused until the PostgreSQL store exists.
 *
 * @example
 * const { store, dataDir } = openDatabase('sqlite:./data/syncline.db', schema);
 */
export function openDatabase(url: string, schema: SchemaDef): OpenedDatabase {
  if (/^postgres(ql)?:\/\//i.test(url)) {
    throw new UsageError(
      'The PostgreSQL store is not available yet in this version of Syncline. Use --db sqlite:<path> for now.',
    );
  }
  if (!url.startsWith('sqlite:')) {
    throw new UsageError(
      `Unsupported database URL "${url}": use sqlite:<path>, e.g. sqlite:./data/syncline.db.`,
    );
  }
  let path = url.slice('sqlite:'.length);
  if (path.startsWith('//')) path = path.slice(2);
  if (path === '' || path === ':memory:') {
    throw new UsageError(`"${url}" names no file: use sqlite:<path>, e.g. sqlite:./data/syncline.db.`);
  }
  const abs = resolve(path);
  const dataDir = dirname(abs);
  mkdirSync(dataDir, { recursive: true });
  return { store: createSqliteStore({ path: abs, schema }), dataDir, description: `sqlite:${abs}` };
}
