import { resolve } from 'node:path';
import type { SchemaDef } from '@syncline/core';
import type { Rules } from '../api.ts';
import { scopeColumnsOf } from '../handler/index.ts';
import type { ServerStore } from '../stores/types.ts';
import type { DatabaseArgs } from './args.ts';
import { type OpenedDatabase, openDatabase } from './database.ts';
import { UsageError } from './errors.ts';
import { loadConfigModule, loadSchemaModule, type SynclineConfig } from './load.ts';

/** The schema, rules and database a command works on, loaded but not yet opened. */
export interface Target {
  schema: SchemaDef;
  rules: Rules | undefined;
  /** The `--config` module's export, when one was given. */
  config: SynclineConfig | undefined;
  database: string | ServerStore;
}

/** Loads the `--schema` or `--config` module and picks the database (`--db`, config, `DATABASE_URL`). */
export async function loadTarget(args: DatabaseArgs, env: NodeJS.ProcessEnv): Promise<Target> {
  const config = args.config === undefined ? undefined : await loadConfigModule(args.config);
  const loaded = config ?? (await loadSchemaModule(args.schema!));
  const database = config ? (config.database ?? env.DATABASE_URL) : (args.db ?? env.DATABASE_URL);
  if (database === undefined || database === '') {
    throw new UsageError(
      config
        ? `No database: set "database" in ${args.config} (e.g. "sqlite:./data/syncline.db") or DATABASE_URL.`
        : 'Missing --db <url> (or DATABASE_URL), e.g. --db sqlite:./data/syncline.db.',
    );
  }
  return { schema: loaded.schema, rules: loaded.rules, config, database };
}

/**
 * Opens the target's database with the rules' scope columns (so gone-markers and scope indexes
 * follow the rules). A store built by the config module is used as it is.
 */
export async function openTarget(
  target: Target,
  args: DatabaseArgs & { dataDir?: string },
): Promise<OpenedDatabase> {
  const dataDir = args.dataDir ?? target.config?.dataDir;
  if (typeof target.database !== 'string') {
    if (args.pgSchema !== undefined)
      throw new UsageError('--pg-schema does not apply to a store built by the config module.');
    return {
      store: target.database,
      dataDir: resolve(dataDir ?? './data'),
      description: `${target.database.kind} store from the config module`,
    };
  }
  return openDatabase(target.database, target.schema, {
    scopeColumns: target.rules === undefined ? {} : scopeColumnsOf(target.rules),
    ...(args.pgSchema === undefined ? {} : { pgSchema: args.pgSchema }),
    ...(dataDir === undefined ? {} : { dataDir }),
  });
}
