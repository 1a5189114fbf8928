import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import type { SchemaDef } from '@syncline/core';
import type { Rules } from '../api.ts';
import type { ServerStore } from '../stores/types.ts';
import { UsageError } from './errors.ts';

/** What a `--config` module's default export may hold. */
export interface SynclineConfig {
  schema: SchemaDef;
  rules?: Rules;
  /** `sqlite:<path>`, `postgres://…`, or a store built by the config itself. */
  database?: string | ServerStore;
  /** Where dev-mode files live when `database` is a store object; default `./data`. */
  dataDir?: string;
  port?: number;
  host?: string;
  dev?: boolean;
}

const TYPESCRIPT = /\.[mc]?tsx?$/;

/**
 * Imports a schema or config module by path (relative to the working directory). JavaScript
 * (`.js`, `.mjs`) loads as it is. TypeScript loads when the process can already import it (run
 * under tsx, or a Node with type stripping), else through tsx's `tsImport` when the app has tsx
 * installed; otherwise the error says what to install.
 */
export async function importModule(path: string, what: string): Promise<Record<string, unknown>> {
  const abs = resolve(path);
  if (!existsSync(abs)) throw new UsageError(`The ${what} module ${abs} does not exist.`);
  const url = pathToFileURL(abs).href;
  try {
    try {
      return (await import(url)) as Record<string, unknown>;
    } catch (cause) {
      if (!TYPESCRIPT.test(abs) || (cause as { code?: unknown })?.code !== 'ERR_UNKNOWN_FILE_EXTENSION')
        throw cause;
      const tsImport = await findTsImport();
      if (tsImport === null) {
        throw new UsageError(
          `The ${what} module ${abs} is TypeScript, and this Node cannot load TypeScript by itself: install tsx in your app (\`npm install -D tsx\`), or compile the module to .js (or name it .mjs).`,
        );
      }
      return (await tsImport(url, import.meta.url)) as Record<string, unknown>;
    }
  } catch (cause) {
    if (cause instanceof UsageError) throw cause;
    const detail = cause instanceof Error ? cause.message : String(cause);
    throw new Error(`Could not load the ${what} module ${abs}: ${detail}`, { cause });
  }
}

type TsImport = (specifier: string, parentURL: string) => Promise<unknown>;

/** tsx's `tsImport`, from the app (the working directory) or else next to this package; null if neither has it. */
async function findTsImport(): Promise<TsImport | null> {
  for (const base of [join(process.cwd(), 'noop.js'), fileURLToPath(import.meta.url)]) {
    let resolved: string;
    try {
      resolved = createRequire(base).resolve('tsx/esm/api');
    } catch {
      continue;
    }
    const api = (await import(pathToFileURL(resolved).href)) as { tsImport?: TsImport };
    if (typeof api.tsImport === 'function') return api.tsImport;
  }
  return null;
}

export function isSchema(value: unknown): value is SchemaDef {
  return (
    typeof value === 'object' &&
    value !== null &&
    typeof (value as { hash?: unknown }).hash === 'string' &&
    typeof (value as { collections?: unknown }).collections === 'object'
  );
}

function checkRules(value: unknown, where: string): Rules | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== 'object' || value === null) {
    throw new UsageError(`"rules" in ${where} must be an object of collection rules.`);
  }
  return value as Rules;
}

/** Loads a `--schema` module: the schema as default export or `schema`, and optional `rules`. */
export async function loadSchemaModule(
  path: string,
): Promise<{ schema: SchemaDef; rules: Rules | undefined }> {
  const mod = await importModule(path, 'schema');
  const schema = isSchema(mod.schema) ? mod.schema : isSchema(mod.default) ? mod.default : undefined;
  if (schema === undefined) {
    throw new UsageError(
      `${resolve(path)} exports no schema: export the result of defineSchema() as "schema" or as the default export.`,
    );
  }
  return { schema, rules: checkRules(mod.rules, resolve(path)) };
}

/** Loads a `--config` module and checks the shape of its default export. */
export async function loadConfigModule(path: string): Promise<SynclineConfig> {
  const mod = await importModule(path, 'config');
  const config = mod.default;
  const where = resolve(path);
  if (typeof config !== 'object' || config === null) {
    throw new UsageError(`${where} must have a default export: { schema, rules, database, port, dev }.`);
  }
  const c = config as Record<string, unknown>;
  if (!isSchema(c.schema)) throw new UsageError(`"schema" in ${where} must be the result of defineSchema().`);
  const rules = checkRules(c.rules, where);
  if (
    c.database !== undefined &&
    typeof c.database !== 'string' &&
    (typeof c.database !== 'object' || c.database === null)
  ) {
    throw new UsageError(`"database" in ${where} must be a URL such as "sqlite:./data/app.db" or a store.`);
  }
  if (
    c.port !== undefined &&
    (!Number.isInteger(c.port) || (c.port as number) < 0 || (c.port as number) > 65535)
  ) {
    throw new UsageError(`"port" in ${where} must be a port number between 0 and 65535.`);
  }
  for (const key of ['host', 'dataDir'] as const) {
    if (c[key] !== undefined && typeof c[key] !== 'string')
      throw new UsageError(`"${key}" in ${where} must be a string.`);
  }
  if (c.dev !== undefined && typeof c.dev !== 'boolean')
    throw new UsageError(`"dev" in ${where} must be true or false.`);
  const result: SynclineConfig = { schema: c.schema };
  if (rules !== undefined) result.rules = rules;
  if (c.database !== undefined) result.database = c.database as string | ServerStore;
  if (c.dataDir !== undefined) result.dataDir = c.dataDir as string;
  if (c.port !== undefined) result.port = c.port as number;
  if (c.host !== undefined) result.host = c.host as string;
  if (c.dev !== undefined) result.dev = c.dev as boolean;
  return result;
}
