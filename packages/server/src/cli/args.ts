import { parseArgs } from 'node:util';
import { parseDuration } from './duration.ts';
import { UsageError } from './errors.ts';
import { LIMIT_FLAGS, LIMIT_OPTIONS, type LimitArgs, limitArgs } from './limit-args.ts';

export { USAGE } from './usage.ts';

/** Default retention of tombstones for `syncline gc` and the scheduled GC: 30 days. */
export const DEFAULT_GC_OLDER_THAN_MS = 30 * 86_400_000;

/** Where the schema and database come from; shared by every command. */
export interface DatabaseArgs {
  schema?: string;
  db?: string;
  config?: string;
  /** PostgreSQL schema (namespace) of the tables. */
  pgSchema?: string;
}

/** What `syncline serve` was asked to do, before any file is read. */
export interface ServeArgs extends DatabaseArgs, LimitArgs {
  port?: number;
  host?: string;
  dev: boolean;
  dataDir?: string;
  /** `--static`: a directory of files (a built web app) served at `/`. */
  staticDir?: string;
  /** Set (true) by `--no-migrate`. */
  noMigrate?: boolean;
  /** Interval of the scheduled GC in ms; absent: no schedule. */
  gcEveryMs?: number;
  /** Retention of the scheduled GC in ms (default {@link DEFAULT_GC_OLDER_THAN_MS}). */
  gcOlderThanMs?: number;
  /** `--jwks-url`: the identity provider's key set. */
  jwksUrl?: string;
  /** `--jwt-issuer`: the required `iss`. */
  jwtIssuer?: string;
  /** `--jwt-audience`: the required `aud`, comma-separated. */
  jwtAudience?: string;
  /** `--jwt-clock-skew`: tolerated clock skew in whole seconds. */
  jwtClockSkewSeconds?: number;
}

/** What `syncline gc` was asked to do. */
export interface GcArgs extends DatabaseArgs {
  olderThanMs: number;
}

export type Command =
  | { kind: 'help' }
  | { kind: 'serve'; args: ServeArgs }
  | { kind: 'migrate'; args: DatabaseArgs }
  | { kind: 'gc'; args: GcArgs }
  | { kind: 'bump-generation'; args: DatabaseArgs };

type Values = ReturnType<typeof parse>['values'];
type Flag = keyof Values;

const DATABASE_FLAGS: readonly Flag[] = ['schema', 'db', 'config', 'pg-schema', 'help'];
/** Flags each command accepts; any other given flag is a usage error naming the command. */
const FLAGS_OF: Record<Exclude<Command['kind'], 'help'>, readonly Flag[]> = {
  serve: [
    ...DATABASE_FLAGS,
    'port',
    'host',
    'dev',
    'data-dir',
    'static',
    'no-migrate',
    'gc-every',
    'gc-older-than',
    'jwks-url',
    'jwt-issuer',
    'jwt-audience',
    'jwt-clock-skew',
    ...LIMIT_FLAGS,
  ],
  migrate: DATABASE_FLAGS,
  gc: [...DATABASE_FLAGS, 'older-than'],
  'bump-generation': DATABASE_FLAGS,
};

/**
 * Parses the command line (without `node` and the script). Throws {@link UsageError} for unknown
 * commands or flags, missing values, malformed ports and durations.
 *
 * @example
 * parseCommand(['serve', '--schema', './schema.ts', '--db', 'sqlite:./data/app.db']);
 * parseCommand(['gc', '--schema', './schema.ts', '--db', process.env.DATABASE_URL!, '--older-than', '30d']);
 */
export function parseCommand(argv: readonly string[]): Command {
  let parsed: ReturnType<typeof parse>;
  try {
    parsed = parse(argv);
  } catch (error) {
    throw new UsageError(explainParseError(error, argv));
  }
  const { values, positionals } = parsed;
  if (values.help || positionals[0] === 'help') return { kind: 'help' };
  const [command, ...rest] = positionals;
  if (command === undefined) throw new UsageError('Missing command: did you mean "syncline serve"?');
  if (command !== 'serve' && command !== 'migrate' && command !== 'gc' && command !== 'bump-generation') {
    throw new UsageError(
      `Unknown command "${command}": the commands are "serve", "migrate", "gc" and "bump-generation".`,
    );
  }
  if (rest.length > 0) throw new UsageError(`Unexpected argument "${rest[0]}".`);
  for (const flag of Object.keys(values) as Flag[]) {
    if (values[flag] !== undefined && !FLAGS_OF[command].includes(flag)) {
      throw new UsageError(`--${flag} does not apply to "syncline ${command}".`);
    }
  }
  const database = databaseArgs(values);
  if (command === 'migrate') return { kind: 'migrate', args: database };
  if (command === 'bump-generation') return { kind: 'bump-generation', args: database };
  if (command === 'gc') {
    const olderThan = values['older-than'];
    return {
      kind: 'gc',
      args: {
        ...database,
        olderThanMs:
          olderThan === undefined ? DEFAULT_GC_OLDER_THAN_MS : parseDuration(olderThan, '--older-than'),
      },
    };
  }
  const args: ServeArgs = { ...database, dev: values.dev ?? false, ...limitArgs(values) };
  if (values.host !== undefined) args.host = values.host;
  if (values.port !== undefined) args.port = parsePort(values.port, '--port');
  if (values['data-dir'] !== undefined) args.dataDir = values['data-dir'];
  if (values.static !== undefined) args.staticDir = values.static;
  if (values['no-migrate']) args.noMigrate = true;
  if (values['gc-every'] !== undefined) {
    args.gcEveryMs = parseDuration(values['gc-every'], '--gc-every');
    if (args.gcEveryMs < 1000) throw new UsageError('--gc-every must be at least 1s.');
  }
  if (values['jwks-url'] !== undefined) args.jwksUrl = values['jwks-url'];
  if (values['jwt-issuer'] !== undefined) args.jwtIssuer = values['jwt-issuer'];
  if (values['jwt-audience'] !== undefined) args.jwtAudience = values['jwt-audience'];
  if (values['jwt-clock-skew'] !== undefined) {
    args.jwtClockSkewSeconds = Math.floor(parseDuration(values['jwt-clock-skew'], '--jwt-clock-skew') / 1000);
  }
  if (values['gc-older-than'] !== undefined) {
    if (args.gcEveryMs === undefined) {
      throw new UsageError('--gc-older-than needs --gc-every (how often to collect), e.g. --gc-every 1h.');
    }
    args.gcOlderThanMs = parseDuration(values['gc-older-than'], '--gc-older-than');
  }
  return { kind: 'serve', args };
}

const OPTION_NAMES = [
  'schema',
  'db',
  'config',
  'pg-schema',
  'data-dir',
  'static',
  'port',
  'host',
  'dev',
  'no-migrate',
  'gc-every',
  'gc-older-than',
  'older-than',
  ...LIMIT_FLAGS,
  'help',
] as const;

/**
 * parseArgs' error in our words: the unknown flag, the command, the closest known flag. (Its own
 * text suggests '-- "--prot"' with nested quotes, which reads as a typo of ours.)
 */
function explainParseError(error: unknown, argv: readonly string[]): string {
  const code = (error as { code?: unknown } | null)?.code;
  const message = error instanceof Error ? error.message : String(error);
  const command = argv.find((a) => !a.startsWith('-'));
  const where = command === undefined ? 'syncline' : `syncline ${command}`;
  if (code === 'ERR_PARSE_ARGS_UNKNOWN_OPTION') {
    const flag = /'(-[^']*)'/.exec(message)?.[1] ?? argv.find((a) => a.startsWith('-')) ?? '';
    const name = flag.replace(/^-+/, '').split('=')[0] ?? '';
    const closest = nearest(name, OPTION_NAMES);
    return `Unknown option ${flag} for "${where}".${closest === undefined ? '' : ` Did you mean --${closest}?`} Run "syncline --help" for the options.`;
  }
  if (code === 'ERR_PARSE_ARGS_INVALID_OPTION_VALUE') {
    const flag = /(--[a-z-]+)/.exec(message)?.[1];
    return flag === undefined
      ? `${message} (in "${where}").`
      : `${flag} needs a value, e.g. ${flag} ${EXAMPLE_VALUES[flag] ?? '<value>'} (in "${where}").`;
  }
  return message;
}

const EXAMPLE_VALUES: Record<string, string> = {
  '--schema': './schema.ts',
  '--db': 'sqlite:./data/syncline.db',
  '--config': './syncline.config.ts',
  '--port': '8787',
  '--host': '127.0.0.1',
  '--gc-every': '1h',
  '--gc-older-than': '30d',
  '--older-than': '30d',
  '--rate-limit': '20/s,burst=100',
  '--rate-limit-ip': '5/s,burst=20',
  '--trust-proxy': '1',
  '--cors-origin': 'https://app.example.com',
  '--headers-timeout': '15s',
  '--body-idle-timeout': '15s',
  '--max-connections-per-ip': '256',
  '--metrics-token': '"$(openssl rand -hex 24)"',
};

/** The known name within edit distance 2 of `name` (the closest), if any. */
function nearest(name: string, known: readonly string[]): string | undefined {
  let best: { name: string; distance: number } | undefined;
  for (const candidate of known) {
    const distance = editDistance(name, candidate);
    if (distance <= 2 && (best === undefined || distance < best.distance))
      best = { name: candidate, distance };
  }
  return best?.name;
}

function editDistance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    for (let j = 1; j <= b.length; j++) {
      current[j] = Math.min(
        previous[j]! + 1,
        current[j - 1]! + 1,
        previous[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1),
      );
    }
    previous = current;
  }
  return previous[b.length]!;
}

function databaseArgs(values: Values): DatabaseArgs {
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
  const args: DatabaseArgs = {};
  if (values.schema !== undefined) args.schema = values.schema;
  if (values.db !== undefined) args.db = values.db;
  if (values.config !== undefined) args.config = values.config;
  if (values['pg-schema'] !== undefined) args.pgSchema = values['pg-schema'];
  return args;
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
      'pg-schema': { type: 'string' },
      'data-dir': { type: 'string' },
      static: { type: 'string' },
      port: { type: 'string' },
      host: { type: 'string' },
      dev: { type: 'boolean' },
      'no-migrate': { type: 'boolean' },
      'gc-every': { type: 'string' },
      'gc-older-than': { type: 'string' },
      'older-than': { type: 'string' },
      'jwks-url': { type: 'string' },
      'jwt-issuer': { type: 'string' },
      'jwt-audience': { type: 'string' },
      'jwt-clock-skew': { type: 'string' },
      ...LIMIT_OPTIONS,
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
