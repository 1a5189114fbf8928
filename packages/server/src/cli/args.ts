import { parseArgs } from 'node:util';
import { UsageError } from './errors.ts';

export const USAGE = `Usage:
  syncline serve --schema <module> --db <url> [--port 8787] [--host 127.0.0.1] [--dev]
  syncline serve --config <module> [--port <n>] [--host <addr>] [--dev]

Options:
  --schema <module>  A .ts or .js module exporting the schema (default export or "schema"),
                     and optionally "rules".
  --db <url>         sqlite:<path> (the directory is created) or postgres://... ; default $DATABASE_URL.
  --config <module>  A module whose default export is { schema, rules, database, port, host, dev }.
  --port <n>         TCP port (default $PORT or 8787; 0 picks a free one).
  --host <addr>      Interface to bind (default 127.0.0.1; 0.0.0.0 serves the network).
  --dev              Dev mode: loopback only, generated token secret, POST /dev/token.
  -h, --help         Show this help.

Environment:
  SYNCLINE_JWT_SECRET  HS256 secret (at least 32 bytes) that verifies bearer tokens.
  SYNCLINE_JWKS_URL    JWKS of your identity provider (instead of the secret).
  DATABASE_URL         Used when --db is not given.`;

/** What `syncline serve` was asked to do, before any file is read. */
export interface ServeArgs {
  schema?: string;
  db?: string;
  config?: string;
  port?: number;
  host?: string;
  dev: boolean;
}

export type Command = { kind: 'help' } | { kind: 'serve'; args: ServeArgs };

/**
 * Parses the command line (without `node` and the script). Throws {@link UsageError} for unknown
 * commands or flags, missing values and malformed ports.
 *
 * @example
 * parseCommand(['serve', '--schema', './schema.ts', '--db', 'sqlite:./data/app.db']);
 */
export function parseCommand(argv: readonly string[]): Command {
  let parsed: ReturnType<typeof parse>;
  try {
    parsed = parse(argv);
  } catch (error) {
    // parseArgs' messages name the flag ("Unknown option '--prot'"), which is what the user needs.
    throw new UsageError(error instanceof Error ? error.message : String(error));
  }
  const { values, positionals } = parsed;
  if (values.help || positionals[0] === 'help') return { kind: 'help' };
  const [command, ...rest] = positionals;
  if (command === undefined) throw new UsageError('Missing command: did you mean "syncline serve"?');
  if (command !== 'serve') throw new UsageError(`Unknown command "${command}": the only command is "serve".`);
  if (rest.length > 0) throw new UsageError(`Unexpected argument "${rest[0]}".`);
  if (values.config !== undefined && (values.schema !== undefined || values.db !== undefined)) {
    throw new UsageError(
      'Use either --config or --schema/--db, not both: the config module names the schema and database.',
    );
  }
  if (values.config === undefined && values.schema === undefined) {
    throw new UsageError(
      'Missing --schema <module> (or --config <module>): the server needs the app schema.',
    );
  }
  const args: ServeArgs = { dev: values.dev ?? false };
  if (values.schema !== undefined) args.schema = values.schema;
  if (values.db !== undefined) args.db = values.db;
  if (values.config !== undefined) args.config = values.config;
  if (values.host !== undefined) args.host = values.host;
  if (values.port !== undefined) args.port = parsePort(values.port, '--port');
  return { kind: 'serve', args };
}

function parse(argv: readonly string[]) {
  return parseArgs({
    args: [...argv],
    allowPositionals: true,
    strict: true,
    options: {
      schema: { type: 'string' },
      db: { type: 'string' },
      config: { type: 'string' },
      port: { type: 'string' },
      host: { type: 'string' },
      dev: { type: 'boolean' },
      help: { type: 'boolean', short: 'h' },
    },
  });
}

/** A TCP port from text; `source` names where it came from in the error. */
export function parsePort(text: string, source: string): number {
  const port = /^\d{1,5}$/.test(text) ? Number(text) : Number.NaN;
  if (!Number.isInteger(port) || port > 65535) {
    throw new UsageError(`${source} must be a port number between 0 and 65535, got "${text}".`);
  }
  return port;
}
